"""Hostile files through the real ingest path: seconds, peak memory and the one-line outcome.

    python -m benchmarks.hostile_files [--json] [--only NAME ...] [--timeout SECONDS]

Each file is built by the test fixtures (tests/fixtures/hostile.py), written to a temporary
folder and ingested by `run_bot.py ingest FILE --db <temporary archive>` in a fresh process of its
own; the seconds are that process's wall time, the peak is its maximum resident set size (from
wait4, for that child alone), and the outcome is the line the command prints for the file. The
targets: every file read or refused in at most 30 s and 500 MB. The rows marked "at the cap"
are the largest files each cap lets through, read rather than refused.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .from_tests import from_tests

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 30
TARGET_MB = 500


def cases() -> dict:
    """name -> (what it is, builder of its bytes, file suffix)."""
    from retrieval.ingest.readers import html_tree as html
    from retrieval.ingest.readers import pdf, pdf_budget

    h = from_tests("fixtures.hostile")
    page_mb = pdf_budget.MAX_PAGE_CONTENT_BYTES // h.MB
    return {
        "pdf-4x256mb": ("PDF, one 256 MB deflate stream listed 4 times", lambda: h.deflate_bomb_pdf(256, 4), "pdf"),
        "pdf-2gb": ("PDF, one 2 GB deflate stream", lambda: h.deflate_bomb_pdf(2048), "pdf"),
        "pdf-form-20x": ("PDF, a 1 MB form drawn 20 times", lambda: h.form_bomb_pdf(1, 1, 20), "pdf"),
        "pdf-ocr-200": ("PDF, 200 image-only pages", lambda: h.image_only_pages_pdf(200), "pdf"),
        "html-charset": ("web page, charset=base64", lambda: h.charset_page("base64"), "html"),
        "html-br-14mb": ("web page, 14 MB of <br>", lambda: h.tag_flood_page("br", 14), "html"),
        "html-p-15mb": ("web page, 15 MB of <p>", lambda: h.tag_flood_page("p", 15), "html"),
        "docx-4x10mb-xml": ("Word, 4 XML parts just under 10 MB", lambda: h.xml_parts_docx(), "docx"),
        "docx-lying-size": ("Word, a part 64x its declared size", lambda: h.lying_size_docx(64), "docx"),
        "pdf-page-at-cap": (
            f"PDF at the cap: {page_mb - 1} MB of text operators on a page",
            lambda: h.deflate_bomb_pdf(page_mb - 1, 1, h._SHOW_TEXT),
            "pdf",
        ),
        "pdf-forms-at-cap": (
            "PDF at the cap: 5 pages drawing a 6 MB form",
            lambda: h.form_bomb_pdf(6, pages=5),
            "pdf",
        ),
        "html-at-cap": (
            f"web page at the cap: {html.MAX_ELEMENTS - 5000:,} elements",
            lambda: _paragraphs(html.MAX_ELEMENTS - 5000),
            "html",
        ),
        "docx-xml-at-cap": ("Word at the cap: 4 XML parts of 1.9 MB", lambda: h.xml_parts_docx(1.9), "docx"),
        "pdf-ocr-at-cap": (
            f"PDF at the cap: {pdf.MAX_OCR_PAGES} image-only pages",
            lambda: h.image_only_pages_pdf(pdf.MAX_OCR_PAGES),
            "pdf",
        ),
        "txt-digits": ("text bulletin with a run of a million digits", _digit_run_bulletin, "txt"),
    }


def _digit_run_bulletin() -> bytes:
    """Issue 2202 with a million digits in the middle of its first article: tokenized in linear time."""
    text = (ROOT / "data" / "raw" / "000_f4e19954fc935b60.txt").read_text(encoding="utf-8")
    cut = text.index("。", text.index("驻京部队")) + 1
    return (text[:cut] + "1" * 1_000_000 + text[cut:]).encode("utf-8")


def _paragraphs(count: int) -> bytes:
    """A page of `count` short paragraphs of Chinese text (6 characters each: under the text cap)."""
    paragraph = "<p>朝阳区文明办</p>"
    return f"<html><body>{paragraph * (count - 3)}</body></html>".encode()


def ingest(path: Path, db: Path, timeout: float) -> dict:
    """Run the ingest command on one file; its seconds, peak RSS and last output line."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(ROOT / "run_bot.py"), "ingest", str(path), "--db", str(db)]
    start = time.perf_counter()
    out = path.with_suffix(".out")
    with out.open("w") as stdout:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=subprocess.DEVNULL)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.send_signal(signal.SIGKILL)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    seconds = time.perf_counter() - start
    lines = [line.strip() for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    timed_out = seconds > timeout
    return {
        "seconds": round(seconds, 2),
        "peak_mb": round(usage.ru_maxrss / 1024),  # Linux reports kilobytes
        "exit": process.returncode,
        "outcome": "killed at the time limit" if timed_out else (lines[-1] if lines else ""),
    }


def run(names: list[str] | None, timeout: float) -> list[dict]:
    chosen = cases()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, (what, build, suffix) in chosen.items():
            if names and name not in names:
                continue
            data = build()
            path = Path(folder) / f"{name}.{suffix}"
            path.write_bytes(data)
            row = {"name": name, "input": what, "file_kb": round(len(data) / 1024)}
            row |= ingest(path, Path(folder) / f"{name}.db", timeout)
            row["within_target"] = row["seconds"] <= TARGET_SECONDS and row["peak_mb"] <= TARGET_MB
            rows.append(row)
            print(_line(row), file=sys.stderr, flush=True)
    return rows


def _line(row: dict) -> str:
    mark = "ok " if row["within_target"] else "OVER"
    return (
        f"{mark} {row['name']:<17} {row['file_kb']:>7} KB {row['seconds']:>7.2f} s {row['peak_mb']:>5} MB  "
        f"{row['outcome']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hostile_files", description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--only", nargs="*", help="run only these files (by name)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds before a file's ingest is killed")
    args = parser.parse_args(argv)
    rows = run(args.only, args.timeout)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        print(f"target: each file read or refused in <= {TARGET_SECONDS} s and <= {TARGET_MB} MB peak RSS")
        print("\n".join(_line(row) for row in rows))
    return 0 if all(row["within_target"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
