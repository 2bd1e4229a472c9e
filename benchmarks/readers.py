"""Reader benchmark: PDF text-layer speed, OCR speed and OCR accuracy.

    python -m benchmarks.readers [--json] [--pages N] [--turned]

The fixtures are built here, from the bulletins in data/raw and, when present, the development
archive in ../shared/dev-archive/bulletins: each issue typeset as the official bulletin (a text
layer, see tests/fixtures/pdfs.py), and for OCR the same pages rendered at 200 dpi and degraded
like a scan (grey, turned by up to 0.5 degrees, speckled, JPEG-compressed) into image-only PDFs.

Figures:
- text layer: pages a second through `read_document` (best of three rounds over every issue),
  and how many issues read back to exactly their source (numbers, date, titles, sources, every
  paragraph whole on one line);
- OCR: seconds a page through `read_document` on N scanned pages (the engine is built first and
  timed apart), the mean recognition confidence, and the character error rate: Levenshtein
  distance over the reference length, on the articles' text (titles, paragraphs, sources) after
  NFKC normalisation with whitespace removed;
- the turn check: seconds a page `orientation.guess` takes (a small text detection and the
  direction classifier on a few line crops), against the recognition pass on the same page;
- with --turned, the same scans with every page turned 90, 180 and 270 degrees, and with only the
  second page upside down: seconds a page, pages turned upright, issues that read back.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from pathlib import Path

from retrieval.errors import NotABulletin
from retrieval.ingest.parse import parse_bulletin
from retrieval.ingest.readers import read_document

from .from_tests import from_tests

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "data" / "raw", ROOT.parent / "shared" / "dev-archive" / "bulletins")
DEFAULT_OCR_PAGES = 6
TEXT_ROUNDS = 3


def load_issues() -> list:
    paths = [path for folder in SOURCES if folder.is_dir() for path in sorted(folder.glob("*.txt"))]
    return [parse_bulletin(path.read_text(encoding="utf-8")) for path in paths]


def _reads_back(issue, doc, pdfs) -> bool:
    try:
        read = parse_bulletin(doc.text)
    except NotABulletin:
        return False
    lines = set(doc.text.split("\n"))
    same_titles = [_nfkc(a.title) for a in read.articles] == [_nfkc(a.title) for a in issue.articles]
    same_sources = [a.source for a in read.articles] == [a.source for a in issue.articles]
    whole = all(pdfs.fullwidth(p) in lines for a in issue.articles for p in a.paragraphs)
    return read.ref == issue.ref and same_titles and same_sources and whole


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def measure_text_layer(issues: list, pdfs) -> dict:
    typeset = [pdfs.typeset_bulletin(issue) for issue in issues]
    pages = sum(pdf.pages for pdf in typeset)
    best = float("inf")
    for _ in range(TEXT_ROUNDS):
        start = time.perf_counter()
        docs = [read_document(pdf.data) for pdf in typeset]
        best = min(best, time.perf_counter() - start)
    faithful = sum(_reads_back(issue, doc, pdfs) for issue, doc in zip(issues, docs))
    return {
        "issues": len(issues),
        "pages": pages,
        "seconds": round(best, 3),
        "pages_per_second": round(pages / best, 1),
        "issues_read_back_exactly": faithful,
    }


def _ocr_sample(issues: list, pages: int, pdfs) -> list:
    """Issues to scan, shortest first, until `pages` pages (at least one issue)."""
    chosen, total = [], 0
    for issue in sorted(issues, key=lambda i: pdfs.typeset_bulletin(i).pages):
        size = pdfs.typeset_bulletin(issue).pages
        if chosen and total + size > pages:
            break
        chosen.append(issue)
        total += size
    return chosen


def _warm_engine() -> float:
    """Build the OCR engine and load its models, outside the per-page timing."""
    from retrieval.ingest.readers import ocr

    start = time.perf_counter()
    ocr.warm_up()
    return time.perf_counter() - start


def measure_ocr(issues: list, pages: int, pdfs) -> dict:
    sample = _ocr_sample(issues, pages, pdfs)
    scans = [pdfs.image_only_pdf(issue) for issue in sample]
    engine = _warm_engine()
    seconds, distance, length, confidence, failed = 0.0, 0, 0, [], 0
    for issue, scan in zip(sample, scans):
        start = time.perf_counter()
        doc = read_document(scan.data)
        seconds += time.perf_counter() - start
        confidence.append(doc.ocr_confidence or 0.0)
        reference = pdfs.article_text(issue)
        try:
            recognised = pdfs.article_text(parse_bulletin(doc.text))
        except NotABulletin:
            failed += 1
            recognised = "".join(_nfkc(doc.text).split())
        distance += pdfs.edit_distance(recognised, reference)
        length += len(reference)
    scanned = sum(scan.pages for scan in scans)
    return {
        "issues": len(sample),
        "pages": scanned,
        "dpi": pdfs.SCAN_DPI,
        "engine_start_seconds": round(engine, 2),
        "seconds_per_page": round(seconds / scanned, 2),
        "mean_confidence": round(sum(confidence) / len(confidence), 4),
        "character_error_rate": round(distance / max(1, length), 4),
        "issues_not_parsed": failed,
    }


def measure_orientation_cost(issues: list, pages: int, pdfs, rounds: int = 2) -> dict:
    """What finding a page's turn adds to reading an upright page: on each page of the OCR
    sample, the turn guess (orientation.guess) and the recognition pass it comes before, timed
    one after the other on the same rendering, best of `rounds` each, so that a busy machine
    slows both alike."""
    import pypdfium2

    from retrieval.ingest.readers import ocr, orientation

    engine = ocr._engine(ocr.PARAMS)
    guess_s, recognise_s, scanned = 0.0, 0.0, 0
    for issue in _ocr_sample(issues, pages, pdfs):
        pdf = pypdfium2.PdfDocument(pdfs.image_only_pdf(issue).data)
        try:
            for page in pdf:
                zoom = min(ocr.PARAMS.dpi / 72, ocr.PARAMS.max_side / max(page.get_size()))
                image = ocr._render(page, zoom)
                best_guess, best_read = float("inf"), float("inf")
                for _ in range(rounds):
                    start = time.perf_counter()
                    orientation.guess(engine, image)
                    middle = time.perf_counter()
                    engine(image, use_det=True, use_cls=False, use_rec=True)
                    best_guess = min(best_guess, middle - start)
                    best_read = min(best_read, time.perf_counter() - middle)
                guess_s += best_guess
                recognise_s += best_read
                scanned += 1
        finally:
            pdf.close()
    return {
        "pages": scanned,
        "guess_seconds_per_page": round(guess_s / scanned, 3),
        "recognition_seconds_per_page": round(recognise_s / scanned, 3),
        "added_share": round(guess_s / recognise_s, 3),
    }


TURNS = {"upright": (0,), "90": (90,), "180": (180,), "270": (270,), "one page 180": (0, 180)}
"""Scan variants: each page's image turned this many degrees anticlockwise (pages past the tuple
keep the last turn; "one page 180" turns only the second page)."""


def measure_turned(issues: list, pages: int, pdfs) -> dict:
    """Seconds a page, pages turned and whether the issue reads back (numbers, date, titles,
    sources) for each turn of the OCR sample's scans."""
    sample = _ocr_sample(issues, pages, pdfs)
    figures = {}
    for name, turns in TURNS.items():
        seconds, scanned, turned, same, cer = 0.0, 0, 0, 0, []
        for issue in sample:
            size = pdfs.typeset_bulletin(issue).pages
            full = turns if len(turns) > 1 else turns * size
            scan = pdfs.turned_scan_pdf(issue, full[:size])
            start = time.perf_counter()
            doc = read_document(scan.data)
            seconds += time.perf_counter() - start
            scanned += scan.pages
            turned += doc.turned_pages
            try:
                read = parse_bulletin(doc.text)
            except NotABulletin:
                continue
            same += read.ref == issue.ref and [_nfkc(a.title) for a in read.articles] == [
                _nfkc(a.title) for a in issue.articles
            ]
            cer.append(pdfs.character_error_rate(pdfs.article_text(read), pdfs.article_text(issue)))
        figures[name] = {
            "pages": scanned,
            "seconds_per_page": round(seconds / scanned, 2),
            "pages_turned": turned,
            "issues_read_back": same,
            "issues": len(sample),
            "character_error_rate": round(sum(cer) / len(cer), 4) if cer else None,
        }
    return figures


def table(result: dict) -> str:
    text, ocr = result["text_layer"], result["ocr"]
    return "\n".join(
        [
            f"text layer  {text['pages_per_second']:>8} pages/s   ({text['pages']} pages, {text['issues']} issues, "
            f"{text['issues_read_back_exactly']} read back exactly)",
            f"OCR         {ocr['seconds_per_page']:>8} s/page    ({ocr['pages']} pages at {ocr['dpi']} dpi, "
            f"engine start {ocr['engine_start_seconds']} s)",
            f"OCR CER     {ocr['character_error_rate']:>8.2%}          (confidence {ocr['mean_confidence']}, "
            f"{ocr['issues_not_parsed']} issues not parsed)",
        ]
        + (
            [
                f"OCR turn    {cost['guess_seconds_per_page']:>8} s/page    (+{cost['added_share']:.1%} on recognition, "
                f"{cost['recognition_seconds_per_page']} s/page, best of two on each of {cost['pages']} pages)"
            ]
            if (cost := result.get("orientation"))
            else []
        )
        + [
            f"OCR {name:<12} {v['seconds_per_page']:>5} s/page    ({v['pages']} pages, {v['pages_turned']} turned, "
            f"{v['issues_read_back']}/{v['issues']} issues read back, CER "
            + (f"{v['character_error_rate']:.2%})" if v["character_error_rate"] is not None else "-)")
            for name, v in result.get("turned", {}).items()
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.readers", description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=DEFAULT_OCR_PAGES, help="scanned pages to OCR")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--turned", action="store_true", help="also read the OCR sample turned 90, 180 and 270 degrees")
    args = parser.parse_args(argv)
    pdfs = from_tests("fixtures.pdfs")  # the PDF builders the tests use
    issues = load_issues()
    if not issues:
        print("no bulletins found in data/raw", file=sys.stderr)
        return 1
    result = {"text_layer": measure_text_layer(issues, pdfs), "ocr": measure_ocr(issues, max(1, args.pages), pdfs)}
    result["orientation"] = measure_orientation_cost(issues, max(1, args.pages), pdfs)
    if args.turned:
        result["turned"] = measure_turned(issues, max(1, args.pages), pdfs)
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
