"""What a module imports, read from its source: the layering checks' tool."""

from __future__ import annotations

import ast


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
