"""The site's static files, each also under a name that carries a hash of its content
(site.3f9a0c1d2b4e.css), computed at start-up. Pages link to those names, so a browser may keep
them for a year, and a release that changes a file changes its name: it is fetched at once."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from starlette.staticfiles import StaticFiles
from starlette.types import Scope

MOUNT = "/static"
HASH_CHARS = 12
# site.3f9a0c1d2b4e.css -> site.css (any hash: a page cached before a release still gets its file)
_VERSIONED = re.compile(rf"(?P<stem>[^/\\]+)\.[0-9a-f]{{{HASH_CHARS}}}(?P<suffix>\.[A-Za-z0-9]+)")


def versioned_name(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_CHARS]
    return f"{path.stem}.{digest}{path.suffix}"


class Assets(StaticFiles):
    """Starlette's StaticFiles (safe paths, ETags, HEAD) answering the versioned names too."""

    def __init__(self, directory: Path):
        super().__init__(directory=directory)
        self.names = {path.name: versioned_name(path) for path in sorted(directory.iterdir()) if path.is_file()}
        self.current = frozenset(f"{MOUNT}/{name}" for name in self.names.values())

    def url(self, name: str) -> str:
        """The path a page links a file by: "/static/site.3f9a0c1d2b4e.css"."""
        return f"{MOUNT}/{self.names[name]}"

    def is_current(self, path: str) -> bool:
        """Whether a site path names a file by its current content, so it can never change."""
        return path in self.current

    def get_path(self, scope: Scope) -> str:
        path = super().get_path(scope)
        versioned = _VERSIONED.fullmatch(path)
        return versioned["stem"] + versioned["suffix"] if versioned else path
