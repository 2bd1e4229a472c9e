"""Telling a fault of the network from Telegram refusing a request, and saying it in one line."""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterator

from telegram.error import BadRequest, NetworkError


def is_network_fault(error: BaseException | None) -> bool:
    """A fault on the way to Telegram or back (a timeout, a dropped connection, a 5xx, a broken
    answer), as opposed to Telegram refusing the request: BadRequest is a NetworkError too."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def describe_fault(error: BaseException | None) -> str:
    """The error in one line for the log. Shortened only at spaces, so a token an error page echoed
    is kept whole, where the entry point's log formatter finds it and hides it."""
    return textwrap.shorten(" ".join(str(error).split()) or type(error).__name__, 400, placeholder=" …")


@contextlib.contextmanager
def unchanged_is_fine() -> Iterator[None]:
    """Around an edit: Telegram refuses one that changes nothing ("message is not modified"), as
    after a double press or a repeated state, and that is no failure; any other refusal is raised."""
    try:
        yield
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
