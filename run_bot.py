#!/usr/bin/env python3
"""Entry point of the bulletin archive: `python run_bot.py COMMAND`. The command line is cli/."""

from cli import main

if __name__ == "__main__":
    raise SystemExit(main(project=__file__))
