"""Screenshots of the web app for the README and docs/web.md, taken in Debian's headless Chromium:

    python -m benchmarks.web_screenshots [--out docs/web]

Builds an archive from the sample and dev bulletins in a temporary folder, starts `run_bot.py web`
on it as the browser tests do, and saves the answer page of one question (with its facets), one
issue page, the article that answers the question first (its citations with their copy buttons,
and its related articles) and the trend of one topic at a phone's 360 px and a desktop's 1280 px
(the whole page, up to a cap, in 128 colours): ask-360.png, ask-1280.png, issue-360.png,
issue-1280.png, article-360.png, article-1280.png, trends-360.png, trends-1280.png. The same
archive, question, issue and topic each time, so the pictures change only when the pages do.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

from retrieval.archive import Archive

from . import web_browser
from .web_process import DEV_ARCHIVE, ROOT, SAMPLE_ARCHIVE, WebApp, build_archive

QUESTION = "丰台区创城建立了哪些工作机制？"
ISSUE = 2202
TOPIC = "志愿服务"
WIDTHS = (360, 1280)
MAX_HEIGHT = {360: 2400, 1280: 1600}  # CSS pixels; enough for the first screens of a page


def shoot(url: str, out: Path, article: int) -> list[Path]:
    from selenium.webdriver.support.ui import WebDriverWait

    pages = {
        "ask": f"/ask?q={quote(QUESTION)}",
        "issue": f"/issues/{ISSUE}",
        "article": f"/articles/{article}",
        "trends": f"/trends?q={quote(TOPIC)}",
    }
    written = []
    for width in WIDTHS:
        with web_browser.chromium(width, 800) as driver:
            for name, path in pages.items():
                driver.get(url + path)
                WebDriverWait(driver, 20).until(
                    lambda d: (
                        d.execute_script("return document.readyState === 'complete' && document.fonts.status")
                        == "loaded"
                    )
                )
                target = out / f"{name}-{width}.png"
                target.write_bytes(smaller_png(web_browser.full_page_png(driver, MAX_HEIGHT[width])))
                written.append(target)
    return written


def smaller_png(png: bytes) -> bytes:
    """The screenshot in 128 colours, without dithering: a third of the size, text as crisp
    (Pillow comes with the bench extra's matplotlib)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, "PNG", optimize=True
    )
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web_screenshots", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "web", help="folder for the PNG files")
    args = parser.parse_args(argv)
    if not web_browser.available():
        parser.error("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "archive.db"
        build_archive(db, SAMPLE_ARCHIVE, DEV_ARCHIVE)
        with Archive(db, readonly=True) as archive:
            article = archive.ask(QUESTION, limit=1).hits[0].article_id
        with WebApp(db, Path(folder) / "web.log") as app:
            for path in shoot(app.url, args.out, article):
                print(
                    f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {path.stat().st_size // 1024} KB"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
