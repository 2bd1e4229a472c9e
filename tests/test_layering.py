"""The layers hold. The surfaces (replies/, bot/, web/, cli/) reach the archive through its public
API only (retrieval.archive, the domain models, retrieval.display for printing names), so anything
else in retrieval/ may be reshaped without touching them. replies/ says what every surface says
and knows no front end; bot/ (Telegram) and web/ (HTTP) build on it and never on each other; the
entry point run_bot.py imports the command line and nothing else. Inside retrieval/, each folder is a layer that
imports only those below it: the index knows nothing of the store, the store nothing of reading
files or answering, ingest and answering nothing of each other; and no module imports itself back
through others."""

from __future__ import annotations

import ast

import pytest

from tests.helpers import ROOT
from tests.helpers.imports import retrieval_imports

ALLOWED = {"retrieval.archive", "retrieval.models", "retrieval.display"}
SURFACES = ("replies", "bot", "web", "cli")
SURFACE_MODULES = sorted(p for surface in SURFACES for p in (ROOT / surface).rglob("*.py")) + [ROOT / "run_bot.py"]
RETRIEVAL_MODULES = sorted((ROOT / "retrieval").rglob("*.py"))
# Each layer of retrieval/ and the layers it may import (its own included).
SHARED = "shared"
LAYERS = {
    SHARED: {SHARED},
    "index": {SHARED, "index"},
    "store": {SHARED, "index", "store"},
    "ingest": {SHARED, "store", "ingest"},
    "answering": {SHARED, "index", "store", "answering"},
    "archive": {SHARED, "index", "store", "ingest", "answering", "archive"},
}


@pytest.mark.parametrize("path", SURFACE_MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_surfaces_import_only_the_archive_api(path) -> None:
    imports = retrieval_imports(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {name}" for line, name in imports if name not in ALLOWED]
    assert not wrong, f"the surfaces may import only {', '.join(sorted(ALLOWED))}:\n" + "\n".join(wrong)


# What each surface may not import (first component of the module's name), under TYPE_CHECKING too.
FORBIDDEN = {
    "replies": {"telegram", "starlette", "uvicorn", "jinja2", "bot", "web", "cli"},
    "bot": {"starlette", "uvicorn", "jinja2", "web", "cli"},
    "web": {"telegram", "bot", "cli"},
    "cli": set(),
}


def top_level_imports(path) -> dict[str, int]:
    """The top-level package of every absolute import in the file, with the first line naming it
    (relative imports stay inside the file's own package)."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            found.setdefault(name.split(".")[0], node.lineno)
    return found


@pytest.mark.parametrize("path", SURFACE_MODULES[:-1], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_each_surface_keeps_to_its_own_front_end(path) -> None:
    surface = path.relative_to(ROOT).parts[0]
    imports = top_level_imports(path)
    wrong = sorted(
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for name, line in imports.items()
        if name in FORBIDDEN[surface]
    )
    assert not wrong, f"{surface}/ may not import {sorted(FORBIDDEN[surface])}:\n" + "\n".join(wrong)


def test_the_entry_point_imports_only_the_command_line() -> None:
    assert set(top_level_imports(ROOT / "run_bot.py")) == {"cli"}


def test_the_surface_check_sees_imports_under_type_checking(tmp_path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import typing\nif typing.TYPE_CHECKING:\n    from bot.uploads import X\nfrom . import y\n")
    assert top_level_imports(module) == {"typing": 1, "bot": 3}
    assert "bot" in FORBIDDEN["replies"] and "bot" in FORBIDDEN["web"] and "web" in FORBIDDEN["bot"]


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
    assert len(SURFACE_MODULES) > 40, "too few modules found under the surfaces"


def module_name(path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    """The layer a module of retrieval/ belongs to: its folder, or shared for the top level's
    small modules (models, errors, text, tokenize…) and archive for the facade."""
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and (ROOT / "retrieval" / parts[1]).is_dir()):
        return parts[1]
    return "archive" if module == "retrieval.archive" else SHARED


def resolved_imports(path) -> set[str]:
    """Every module of retrieval/ the file imports, relative imports resolved (`from . import x`
    names the module x when there is one)."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.add(base)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                if (ROOT / (candidate.replace(".", "/") + ".py")).exists() or (
                    ROOT / candidate.replace(".", "/")
                ).is_dir():
                    found.add(candidate)
    return {name for name in found if name == "retrieval" or name.startswith("retrieval.")} - {"retrieval"}


@pytest.mark.parametrize("path", RETRIEVAL_MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_each_layer_imports_only_those_below_it(path) -> None:
    layer = layer_of(module_name(path))
    wrong = sorted(name for name in resolved_imports(path) if layer_of(name) not in LAYERS[layer])
    assert not wrong, f"{path.relative_to(ROOT)} ({layer}) may import only {sorted(LAYERS[layer])}: {wrong}"


def test_no_module_of_retrieval_imports_itself_back() -> None:
    graph = {module_name(p): {m for m in resolved_imports(p) if m != module_name(p)} for p in RETRIEVAL_MODULES}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = path[path.index(module) :] + [module]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for name in sorted(graph.get(module, ())):
            visit(name, path + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert len(graph) > 30, "the check found too few modules"


def test_the_layer_check_catches_a_store_module_reading_files(tmp_path) -> None:
    """A store module importing a reader is out of its layer."""
    assert layer_of("retrieval.store.database") == "store"
    assert layer_of("retrieval.ingest.readers.pdf") == "ingest"
    assert layer_of("retrieval.tokenize") == SHARED
    assert "ingest" not in LAYERS["store"] and "answering" not in LAYERS["ingest"]
    assert "store" not in LAYERS["index"]


PRODUCT_MODULES = sorted(p for package in ("retrieval", *SURFACES) for p in (ROOT / package).rglob("*.py"))
MAX_MODULE_LINES = 400


@pytest.mark.parametrize("path", PRODUCT_MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_module_stays_readable_in_one_sitting(path) -> None:
    """No product module over 400 lines, unless its opening docstring says why it must be one file."""
    source = path.read_text(encoding="utf-8")
    lines = len(source.splitlines())
    reason = ast.get_docstring(ast.parse(source)) or ""
    assert lines <= MAX_MODULE_LINES or "one file" in reason, (
        f"{path.relative_to(ROOT)} has {lines} lines: split it, or say in its docstring why it must be one file"
    )
