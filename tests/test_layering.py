"""The front end reaches the archive through its public API only: retrieval.archive and the
domain models, and retrieval.display for printing names. Anything else in retrieval/ may be
reshaped without touching bot/."""

from __future__ import annotations

import ast

import pytest
from conftest import ROOT

ALLOWED = {"retrieval.archive", "retrieval.models", "retrieval.display"}
BOT_MODULES = sorted((ROOT / "bot").rglob("*.py"))


def retrieval_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) for every absolute import of retrieval or a module under it."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "retrieval":  # `from retrieval import archive` names modules
                found += [(node.lineno, f"retrieval.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name == "retrieval" or name.startswith("retrieval.")]


@pytest.mark.parametrize("path", BOT_MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_bot_imports_only_the_archive_api(path) -> None:
    imports = retrieval_imports(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {name}" for line, name in imports if name not in ALLOWED]
    assert not wrong, f"bot/ may import only {', '.join(sorted(ALLOWED))}:\n" + "\n".join(wrong)


def test_the_check_sees_every_kind_of_import() -> None:
    source = """
import retrieval.store
from retrieval.text import x
from retrieval import errors, models
from . import y
"""
    assert retrieval_imports(ast.parse(source)) == [
        (2, "retrieval.store"),
        (3, "retrieval.text"),
        (4, "retrieval.errors"),
        (4, "retrieval.models"),
    ]
    assert BOT_MODULES, "no modules found under bot/"
