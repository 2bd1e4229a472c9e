"""Which files a run reads: those given, and the files found under the folders given, minus
hidden files, system clutter and links that lead out of the folder."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..models import IngestReport

# Files a folder holds that are never bulletins: left out without a word. Every other file is
# read, whatever its name (the format comes from its bytes), or refused with a reason.
IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini"})
OUTSIDE_LINK = "跳过符号链接：它指向所导入的文件夹之外（{target}）；如需导入，请直接给出该文件的路径。"


def bulletin_files(paths: Iterable[Path]) -> list[Path | IngestReport]:
    """The files to ingest, in a stable order: files as given, and every file under folders but
    hidden ones and system clutter; an empty folder is a refusal. Within a folder, a symbolic
    link is followed only when it stays inside the folder: one pointing out of it is reported,
    not read (a folder must not pull in, and publish, files from elsewhere on the machine)."""
    found: list[Path | IngestReport] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        entries = _folder_files(path)
        found += entries or [
            IngestReport(name=str(path), error="文件夹里没有简报文件（.pdf、.docx、.html 或 .txt），请检查路径。")
        ]
    return found


def _folder_files(folder: Path) -> list[Path | IngestReport]:
    root = folder.resolve()
    found: list[tuple[Path, Path | IngestReport]] = []
    # os.walk does not descend into linked folders; a link to a folder is judged like one to a file.
    for directory, subfolders, names in os.walk(folder):
        here = Path(directory)
        subfolders[:] = [d for d in subfolders if not _hidden(here / d, folder)]
        links = [d for d in subfolders if (here / d).is_symlink()]
        for name in sorted(names) + sorted(links):
            path = here / name
            if _hidden(path, folder):
                continue
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    found.append((path, IngestReport(name=str(path), error=OUTSIDE_LINK.format(target=target))))
                    continue
                if target.is_dir():
                    continue  # its files are read where they are, inside the folder
            if path.is_file():
                found.append((path, path))
    return [entry for _, entry in sorted(found, key=lambda pair: pair[0])]


def _hidden(path: Path, folder: Path) -> bool:
    return not _may_be_bulletin(path.relative_to(folder))


def _may_be_bulletin(relative: Path) -> bool:
    return (
        not any(part.startswith((".", "~$")) for part in relative.parts) and relative.name.lower() not in IGNORED_NAMES
    )
