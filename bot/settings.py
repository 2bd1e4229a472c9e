"""Settings, built once at the entry point from flags and the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    db_path: Path
    default_db: Path
    sample_archive: Path

    @property
    def uses_default_db(self) -> bool:
        return self.db_path.resolve() == self.default_db.resolve()
