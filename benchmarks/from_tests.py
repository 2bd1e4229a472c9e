"""The test suite's builders and stand-ins (tests/fixtures, tests/bot_api_standin.py), for benchmarks
that measure on the same inputs the tests use."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

TESTS = Path(__file__).resolve().parent.parent / "tests"


def from_tests(module: str) -> ModuleType:
    """A module of the tests folder by its dotted name there ("fixtures.pdfs", "bot_api_standin")."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    return importlib.import_module(module)
