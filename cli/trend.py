"""`run_bot.py trend 话题`: a topic over the years, as a table or JSON."""

from __future__ import annotations

import argparse
import sys

from replies import messages
from replies.trend import trend_json, trend_text

from .commands import emit, open_archive
from .settings import Settings


def cmd_trend(settings: Settings, args: argparse.Namespace) -> int:
    """Articles on the topic per held year, with their issues. An empty archive exits 1 (as
    `latest` does); a topic with nothing to look for exits 2 (a usage error, as `issue`'s)."""
    with open_archive(settings) as archive:
        if archive.is_empty():
            print(messages.EMPTY_ARCHIVE, file=sys.stderr)
            return 1
        trend = archive.trend(args.topic)
    if trend.empty_topic:
        print(messages.TREND_CLI_USAGE, file=sys.stderr)
        return 2
    emit(args, trend_json(trend), lambda: trend_text(trend))
    return 0
