"""The chat in a terminal: each line is a question or a command, answered as the bot would."""

from __future__ import annotations

from typing import TextIO

from replies import messages
from replies.conversation import respond
from replies.render_text import render
from retrieval.archive import Archive

PROMPT = "问> "


def reply_to(archive: Archive, line: str) -> str:
    reply = respond(archive, line)
    return "" if reply is None else render(reply)


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
