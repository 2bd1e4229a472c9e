"""The chat in a terminal: each line is a question or a command, answered as the bot would."""

from __future__ import annotations

from typing import TextIO

from retrieval.archive import Archive
from retrieval.errors import UnknownIssue

from . import messages
from .commands import find_issue, is_small_talk, parse_issue_query
from .render_text import render_answer, render_issue, render_unknown_issue

PROMPT = "问> "


def reply_to(archive: Archive, line: str) -> str:
    text = line.strip()
    if not text:
        return ""
    if text.startswith("/"):
        command, _, argument = text.partition(" ")
        command = command.split("@", 1)[0].lower()
        if command in ("/start", "/help"):
            return messages.HELP
        if command == "/latest":
            issue = archive.latest()
            return render_issue(issue) if issue else messages.EMPTY_ARCHIVE
        if command == "/issue":
            return issue_reply(archive, argument)
        if command == "/ask":
            text = argument
        else:
            return messages.HELP
    if is_small_talk(text):
        return messages.HELP
    return render_answer(archive.ask(text))


def issue_reply(archive: Archive, argument: str) -> str:
    query = parse_issue_query(argument)
    if query is None:
        return messages.ISSUE_USAGE
    try:
        return render_issue(find_issue(archive, query))
    except UnknownIssue as exc:
        return render_unknown_issue(query.label, exc.nearest)


def run_console(archive: Archive, stdin: TextIO, stdout: TextIO, interactive: bool) -> None:
    """Answer line by line until end of input (Ctrl-D, or the end of a pipe)."""
    if interactive:
        stdout.write(messages.HELP + "\n\n")
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        reply = reply_to(archive, line)
        if reply:
            stdout.write(reply + "\n\n")
            stdout.flush()
