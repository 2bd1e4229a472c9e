"""The command line of the bulletin archive: the one place that reads flags and the environment.
run_bot.py, the entry point, only calls main()."""

from __future__ import annotations

from .main import main

__all__ = ["main"]
