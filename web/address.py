"""The site's public address (`--base-url`), and the middleware that makes every request wear it.

Without an address, links that must be absolute (the canonical link, Starlette's trailing-slash
redirects) are built from the request's Host, as Starlette validates it. With one, the request's
Host, scheme and path prefix are replaced by the address's before the app sees them, so nothing
the app or Starlette builds from a request can name another site, whatever Host or
X-Forwarded-Proto a client sends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # the command line parses an address without the web extra installed
    from starlette.types import ASGIApp, Receive, Scope, Send

# A host name or IPv4 address, or a bracketed IPv6 one, and an optional port: nothing else.
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_NETLOC = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:.]+\])(?::\d{{1,5}})?")
# A path prefix of plain segments (what a reverse proxy strips before passing requests on).
_PREFIX = re.compile(r"(?:/[A-Za-z0-9._~-]+)*")


@dataclass(frozen=True)
class SiteAddress:
    """https://wenming.example.org/archive as its parts."""

    scheme: str
    netloc: str
    prefix: str
    """The path the site lives under, "" or "/archive" (no trailing slash)."""

    @classmethod
    def parse(cls, url: str) -> SiteAddress:
        """Raises ValueError with a sentence for anything but an http(s) address with a host."""
        example = "如 https://wenming.example.org/archive"
        try:
            parts = urlsplit(url.strip())
            _ = parts.port  # raises ValueError for a port out of range
        except ValueError:
            raise ValueError(f"“{url}”不是网址；应写网站的公开地址，{example}。") from None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"“{url}”不是 http 或 https 网址；应写网站的公开地址，{example}。")
        netloc = parts.netloc.lower()
        if not _NETLOC.fullmatch(netloc):
            raise ValueError(f"“{url}”的主机名无效（不能含用户名、空格或非 ASCII 字符）；{example}。")
        prefix = parts.path.rstrip("/")
        dots = {".", ".."} & set(prefix.split("/"))
        if parts.query or parts.fragment or dots or not _PREFIX.fullmatch(prefix):
            raise ValueError(f"“{url}”的路径无效（只能是字母、数字和 ._~- 组成的路径，不带 ? 或 #）；{example}。")
        return cls(parts.scheme, netloc, prefix)

    def url(self, path: str) -> str:
        """The absolute address of a path on the site ("/issues/2202")."""
        return f"{self.scheme}://{self.netloc}{self.prefix}{path}"


class FixedAddress:
    """ASGI middleware: each HTTP request's Host, scheme and root path made the site's address.
    The scope is changed in place, so the 500 page (rendered outside all middleware) sees it too."""

    def __init__(self, app: ASGIApp, address: SiteAddress):
        self.app = app
        self.address = address
        self.host = address.netloc.encode("ascii")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            prefix = self.address.prefix
            scope["scheme"] = self.address.scheme
            scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"host"] + [(b"host", self.host)]
            # ASGI's root path: the prefix is part of every path, and routing skips it.
            scope["root_path"] = prefix
            scope["path"] = prefix + scope["path"]
            if "raw_path" in scope and scope["raw_path"] is not None:
                scope["raw_path"] = prefix.encode("ascii") + scope["raw_path"]
        await self.app(scope, receive, send)


def site_path(scope: Scope) -> str:
    """A request's path on the site: without the address's prefix (nor a mount's)."""
    path: str = scope["path"]
    root = scope.get("app_root_path", scope.get("root_path", ""))
    return path[len(root) :] if root and path.startswith(root) else path
