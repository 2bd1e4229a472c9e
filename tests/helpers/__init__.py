"""What the tests share: the project's paths, bulletin texts, files built at test time (PDFs,
Word files, hostile files), and the clients and processes the end-to-end tests drive."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE_ARCHIVE = ROOT / "data" / "raw"
ISSUE_2202 = SAMPLE_ARCHIVE / "000_f4e19954fc935b60.txt"
ISSUE_2126 = SAMPLE_ARCHIVE / "001_a4f5a830c984352f.txt"
