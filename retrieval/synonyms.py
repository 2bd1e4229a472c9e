"""The field's synonym groups, for expanding a question at a lower weight (see data/synonyms.txt)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from .errors import ArchiveError, MissingResource
from .tokenize import DATA_DIR

DEFAULT_SYNONYMS = DATA_DIR / "synonyms.txt"


class Synonyms:
    """Symmetric groups of normalized members; a question's members bring in the rest of their groups."""

    def __init__(self, groups: list[tuple[str, ...]], digest: str):
        self.groups = tuple(groups)
        self._digest = digest
        self._group_of = {member: group for group in groups for member in group}
        # Longest first: at each position re takes the first alternative that matches, so the
        # scan is leftmost-longest (创建全国文明城市, not the 文明城市 inside it).
        members = sorted(self._group_of, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, members))) if members else None

    @classmethod
    def load(cls, path: Path = DEFAULT_SYNONYMS, *, normalize: Callable[[str], str]) -> Synonyms:
        """Read and check a synonym file; normalize must be the one questions go through."""
        if not path.is_file():
            raise MissingResource(f"缺少同义词文件 {path}，请从代码仓库恢复它。")
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")  # a BOM from a Windows editor is harmless
        except UnicodeDecodeError as error:
            raise ArchiveError(f"同义词文件 {path} 不是 UTF-8 编码，请以 UTF-8 重新保存。") from error
        return cls(_parse(text, path, normalize), hashlib.sha256(data).hexdigest())

    @property
    def digest(self) -> str:
        """sha256 of the file's bytes: an index built with other synonyms must be rebuilt."""
        return self._digest

    def alternatives(self, normalized_question: str) -> list[str]:
        """The other members of the groups of the members found in the question, in file order,
        once each, leaving out those the question already contains."""
        if self._pattern is None:
            return []
        out: dict[str, None] = {}
        for match in self._pattern.finditer(normalized_question):
            for member in self._group_of[match.group()]:
                if member not in normalized_question:
                    out[member] = None
        return list(out)


def _parse(text: str, path: Path, normalize: Callable[[str], str]) -> list[tuple[str, ...]]:
    """Groups of normalized members; the first mistake stops the load with its line number."""
    groups: list[tuple[str, ...]] = []
    line_of: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        raw_members = line.split("#", 1)[0].split()
        if not raw_members:
            continue
        where = f"同义词文件 {path} 第 {number} 行"
        group: list[str] = []
        for raw in raw_members:
            member = normalize(raw).strip()
            if not member:
                raise ArchiveError(f"{where}的“{raw}”规范化后为空，请删去它。")
            if line_of.get(member) == number:
                raise ArchiveError(f"{where}的“{raw}”在本行重复出现，请删去重复的一个。")
            if member in line_of:
                raise ArchiveError(
                    f"{where}的“{raw}”已出现在第 {line_of[member]} 行，一个词只能属于一组，请合并这两组或删去其一。"
                )
            line_of[member] = number
            group.append(member)
        if len(group) < 2:
            raise ArchiveError(f"{where}只有一个词“{raw_members[0]}”，请补上同义词或删去这一行。")
        groups.append(tuple(group))
    return groups
