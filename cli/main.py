"""main(): the flags parsed, the settings built, the command run, and the archive's errors turned
into one clear line each."""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from pathlib import Path

from retrieval.archive import ArchiveError, database_error

from .parser import build_parser
from .settings import ROOT, Settings


def main(argv: list[str] | None = None, project: str | Path = ROOT) -> int:
    """Run one command. project: the project folder, or a file in it (the entry point passes its
    own), whose data/ holds the default database."""
    root = Path(project).resolve()
    root = root if root.is_dir() else root.parent
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("jieba").setLevel(logging.WARNING)
    chosen = args.db or os.environ.get("ARCHIVE_DB")
    settings = Settings.of(root, Path(chosen) if chosen else None)
    try:
        return args.handler(settings, args)
    except ArchiveError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:
        print(f"错误：{database_error(exc, settings.db_path)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`); nothing left to say
        return 0
