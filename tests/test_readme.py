"""The README documents every command, flag and setting the command line has."""

from __future__ import annotations

import argparse

from cli.parser import build_parser
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def load_parser() -> argparse.ArgumentParser:
    return build_parser()


def test_every_command_and_flag_is_in_the_readme() -> None:
    parser = load_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subparsers.choices) == {
        "ingest", "ask", "export", "trend", "article", "latest", "issue", "reindex", "stats", "backup", "console", "serve", "web"
    }  # fmt: skip
    for name, sub in subparsers.choices.items():
        assert f"python run_bot.py {name}" in README, name
        for action in sub._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert flag in README, f"{name} {flag}"


def test_settings_and_setup_commands_are_in_the_readme() -> None:
    assert "ARCHIVE_DB" in README
    setup = [line for line in README.splitlines() if line.startswith("python3 -m venv .venv")]
    assert len(setup) == 2
    assert 'run_bot.py ask "' in setup[0]
    # CI runs the README's test command in two steps, with the style and type checks between them.
    install, _, tests = setup[1].partition(" && .venv/bin/python -m pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert install in ci and ".venv/bin/python -m pytest" + tests in ci


def test_the_quick_tier_command_is_in_the_readme() -> None:
    assert '.venv/bin/python -m pytest -m "not slow"' in README


BOT_SETTINGS = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "ARCHIVE_DB",
    "ADMIN_IDS",
    "QUESTIONS_PER_MINUTE",
    "TELEGRAM_SEND_RATE",
    "TELEGRAM_CHANNEL_ID",
    "TELEGRAM_WEBHOOK_URL",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "TELEGRAM_WEBHOOK_SECRET",
)


def test_every_bot_setting_is_read_documented_and_in_env_example() -> None:
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "cli").glob("*.py"))
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in BOT_SETTINGS:
        assert f'"{name}"' in source, name
        assert name in README, name
        assert f"{name}=" in example, name
