"""Pictures of what leaves the archive as a file, for the README and docs/web.md:

    python -m benchmarks.feature_pictures [--out docs/pictures]

Builds an archive from the sample and dev bulletins in a temporary folder (the same as the web
screenshots), then saves:
- export-docx.png: the first page of the Word file `run_bot.py export` writes for one question
  (the same file as /export.docx and the bot's 导出Word), converted to PDF by LibreOffice headless
  as a reader's word processor would print it, and rendered by pdfium;
- bot-trend.png: the chart the bot's /trend sends for one topic, as sent.
The same archive, question and topic each time, so the pictures change only when the files do.
Needs Debian's LibreOffice (libreoffice-writer-nogui).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .web_process import DEV_ARCHIVE, ROOT, SAMPLE_ARCHIVE, build_archive
from .web_screenshots import smaller_png

QUESTION = "垃圾分类有哪些做法？"
TOPIC = "垃圾分类"
EXPORTED = dt.date(2026, 12, 7)
SCALE = 1.5  # pdfium renders 72 dpi per unit: an A4 page 893 px wide, its text readable


def docx_picture(db: Path, folder: Path, libreoffice: str) -> bytes:
    import pypdfium2

    from replies.render_docx import answer_document
    from retrieval.archive import Archive

    with Archive(db, readonly=True) as archive:
        exported = folder / "export.docx"
        exported.write_bytes(answer_document(archive.ask(QUESTION, limit=10), EXPORTED))
    to_pdf(libreoffice, exported, folder)
    page = pypdfium2.PdfDocument(folder / "export.pdf")[0]
    image = page.render(scale=SCALE).to_pil()
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def to_pdf(libreoffice: str, document: Path, folder: Path) -> Path:
    """The document converted to PDF by LibreOffice headless, into folder; raises
    subprocess.CalledProcessError with LibreOffice's output when it fails. A profile of its own in
    the folder: parallel runs never share LibreOffice's lock."""
    profile = folder / "profile"
    subprocess.run(
        [
            libreoffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(document),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return folder / (document.stem + ".pdf")


def trend_picture(db: Path) -> bytes:
    from bot.trend_chart import trend_png
    from retrieval.archive import Archive

    with Archive(db, readonly=True) as archive:
        return trend_png(archive.trend(TOPIC))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.feature_pictures", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "pictures", help="folder for the PNG files")
    args = parser.parse_args(argv)
    libreoffice = shutil.which("soffice") or shutil.which("libreoffice")
    if libreoffice is None:
        parser.error("needs Debian's LibreOffice (apt-get install libreoffice-writer-nogui)")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db = folder / "archive.db"
        build_archive(db, SAMPLE_ARCHIVE, DEV_ARCHIVE)
        pictures = {
            "export-docx.png": smaller_png(docx_picture(db, folder, libreoffice)),
            "bot-trend.png": trend_picture(db),
        }
    for name, png in pictures.items():
        path = args.out / name
        path.write_bytes(png)
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {len(png) // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
