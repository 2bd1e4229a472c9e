"""Where the archive lives, built once in main() from the flags and the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The project folder: run_bot.py passes its own, so a copy of it finds the data beside it.
ROOT = Path(__file__).resolve().parent.parent
DATABASE = Path("data", "archive.db")
SAMPLE = Path("data", "raw")


@dataclass(frozen=True)
class Settings:
    db_path: Path
    default_db: Path
    sample_archive: Path

    @classmethod
    def of(cls, root: Path, db_path: Path | None) -> Settings:
        """The database named by a flag or ARCHIVE_DB, else the default one in root's data/."""
        return cls(db_path or root / DATABASE, default_db=root / DATABASE, sample_archive=root / SAMPLE)

    @property
    def uses_default_db(self) -> bool:
        return self.db_path.resolve() == self.default_db.resolve()
