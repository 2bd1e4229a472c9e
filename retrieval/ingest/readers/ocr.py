"""OCR for PDF pages without a usable text layer: render with pdfium, recognise with RapidOCR.

RapidOCR ships its detection and recognition models (PP-OCR, ONNX) in its wheel; the engine is
pointed at those files, so nothing is ever downloaded. It is built once per process, on first
use, and reused. Recognised boxes become lines in PDF points, the units of the text layer, and
go through the same layout analysis as text-layer pages (see layout.py).

The optional "ocr" extra installs rapidocr and onnxruntime; without them `read_page` raises
OcrUnavailable.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import statistics
import threading
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from ...errors import OcrUnavailable, UnreadableFile
from . import orientation
from .lines import LAYOUT, LAParams, Line, PageText, join_text

log = logging.getLogger(__name__)

INSTALL = '请安装 pip install -e ".[ocr]" 后重新导入。'
INSTALL_HINT = f"需要 OCR 才能读取扫描页：{INSTALL}"


@dataclass(frozen=True)
class OcrParams:
    """How pages are rendered and recognised. Measured on 2 cores: about 1.5-2.5 s an A4 page,
    most of it recognition (detection at 960 px takes about 0.2 s)."""

    dpi: int = 200
    """Rendering resolution; 16 pt body text is then about 44 px high."""
    max_side: int = 4000
    """Pixels: a page larger than A3 is rendered at a lower resolution, to bound memory."""
    det_side: int = 960
    """Text detection sees the page scaled to this longer side (recognition still reads the
    full-resolution crops): plenty for body-size type, and about half the time of 1280."""
    threads: int = 2
    min_score: float = 0.5
    """Boxes recognised with a lower score are dropped as noise."""
    det_model: str = "PP-OCRv6_det_small.onnx"
    rec_model: str = "PP-OCRv6_rec_small.onnx"
    cls_model: str = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
    orient: orientation.OrientParams = orientation.ORIENT
    text_lines: int = 12
    """A page read as junk every way up is refused when detection found this many lines on it
    (a page of text that failed), and left out as unreadable with fewer (noise, a picture)."""


PARAMS = OcrParams()
_LOCK = threading.Lock()
RECOGNISE = {"use_det": True, "use_cls": False, "use_rec": True}
"""Every call to the engine names its steps: rapidocr keeps the last call's choice for the next."""


def available() -> bool:
    """Whether the OCR extra is installed (checked on every call: cheap once imported)."""
    try:
        importlib.import_module("rapidocr")
        importlib.import_module("onnxruntime")
    except ImportError:
        return False
    return True


def read_page(page, number: int, params: OcrParams = PARAMS, la: LAParams = LAYOUT) -> PageText:
    """One pypdfium2 page -> its lines, recognised from a rendering at params.dpi, read the right
    way up whichever way the sheet was fed (see orientation.py). A page that reads as junk every
    way up comes back without lines and marked unreadable, or, when it showed a page of text
    lines, is refused: its text would be missing from the issue."""
    if not available():
        raise OcrUnavailable(INSTALL_HINT)
    width, height = page.get_size()
    zoom = min(params.dpi / 72, params.max_side / max(width, height, 1.0))
    image = _render(page, zoom)
    engine = _engine(params)
    scale = 1 / zoom  # pixels -> points
    with _LOCK:
        first = orientation.guess(engine, image, params.orient)
        turn, boxes = first.turn, _recognise(engine, image, first.turn, scale)
        if not _reads(boxes, params):
            log.info("page %d: reads as junk turned %d degrees; trying %s", number, turn, orientation.others(first))
            for other in orientation.others(first):
                again = _recognise(engine, image, other, scale)
                if _reads(again, params):
                    turn, boxes = other, again
                    break
            else:
                return _unreadable(number, width, height, first, params)
    if turn % 180:
        width, height = height, width
    kept = [b for b in boxes if b.score >= params.min_score]
    lines = lines_from_boxes(kept, la)
    chars = sum(len(b.text) for b in kept)
    confidence = sum(b.score * len(b.text) for b in kept) / chars if chars else 0.0
    log.debug("page %d: turned %d, %d lines, confidence %.3f", number, turn, len(lines), confidence)
    return PageText(number, width, height, lines, ocr=True, confidence=confidence, turn=turn)


def _recognise(engine, image, turn: int, scale: float) -> list[_Box]:
    """Every box recognised on the image turned `turn` degrees, scores not yet filtered."""
    result = engine(orientation.turned(image, turn), **RECOGNISE)
    return _boxes(result, scale, 0.0)


def _reads(boxes: list[_Box], params: OcrParams) -> bool:
    text = "".join("".join(b.text.split()) for b in boxes)
    chars = sum(len(b.text) for b in boxes)
    confidence = sum(b.score * len(b.text) for b in boxes) / chars if chars else 0.0
    return orientation.plausible(text, confidence, params.orient)


def _unreadable(number: int, width: float, height: float, first: orientation.Guess, params: OcrParams) -> PageText:
    if first.lines >= params.text_lines:
        raise UnreadableFile(
            f"第 {number} 页无法识别（像是文字页，但各个方向都读不出通顺的文字：可能太模糊、太暗或被涂污），"
            "为免文章缺失未导入；请重新扫描这一页后再导入。"
        )
    log.info("page %d: no text read any way up (%d lines detected), left out", number, first.lines)
    return PageText(number, width, height, [], ocr=True, confidence=0.0, unreadable=True)


def warm_up(params: OcrParams = PARAMS) -> None:
    """Build the engine and load its models now (they load on first use), so a caller can time
    pages without the start-up, or pay it before a user waits."""
    if not available():
        raise OcrUnavailable(INSTALL_HINT)
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (480, 96), "white")
    ImageDraw.Draw(image).text((16, 24), "2202 OCR", fill="black", font=ImageFont.load_default(size=40))
    with _LOCK:
        engine = _engine(params)
        engine(np.asarray(image), use_det=False, use_cls=True, use_rec=False)  # the classifier's model
        engine(np.asarray(image), **RECOGNISE)


def _render(page, zoom: float):
    import numpy as np

    bitmap = page.render(scale=zoom, grayscale=True)
    grey = bitmap.to_numpy()
    if grey.ndim == 3:
        grey = grey[..., 0]
    return np.ascontiguousarray(np.repeat(grey[..., None], 3, axis=2))


@functools.lru_cache(maxsize=2)
def _engine(params: OcrParams):
    from rapidocr import RapidOCR

    package = cast(str, importlib.import_module("rapidocr").__file__)  # a regular package: it has a file
    models = Path(package).parent / "models"
    missing = [name for name in (params.det_model, params.rec_model, params.cls_model) if not (models / name).is_file()]
    if missing:  # never let rapidocr fetch them: the wheel ships them
        raise OcrUnavailable(f'OCR 组件不完整（缺少模型文件 {missing[0]}），请重新安装：pip install -e ".[ocr]"。')
    threads = max(1, min(params.threads, os.cpu_count() or 1))
    log.info("building the OCR engine (%s, %s)", params.det_model, params.rec_model)
    return RapidOCR(
        params={
            "Global.log_level": "error",
            "Global.use_cls": False,  # orientation.py runs the classifier on a few crops, not every line
            "Global.max_side_len": 4096,  # keep full resolution for recognition
            "Global.text_score": 0.0,  # every box comes back: junk is judged here (orientation.plausible)
            "Det.model_path": str(models / params.det_model),
            "Det.limit_side_len": params.det_side,
            "Det.limit_type": "max",
            "Rec.model_path": str(models / params.rec_model),
            "Cls.model_path": str(models / params.cls_model),
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )


@dataclass(frozen=True)
class _Box:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    score: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def em(self) -> float:
        """Width of one full-width character: half-width characters count a half."""
        units = sum(0.5 if unicodedata.east_asian_width(ch) in "NaH" else 1.0 for ch in self.text if not ch.isspace())
        return (self.x1 - self.x0) / max(units, 1.0)


def _boxes(result, scale: float, min_score: float) -> list[_Box]:
    if result is None or getattr(result, "boxes", None) is None or not getattr(result, "txts", None):
        return []
    boxes = []
    for points, text, score in zip(result.boxes, result.txts, result.scores):
        text = text.strip()
        if not text or score < min_score:
            continue
        xs, ys = [p[0] * scale for p in points], [p[1] * scale for p in points]
        boxes.append(_Box(text, min(xs), max(xs), min(ys), max(ys), float(score)))
    return boxes


def lines_from_boxes(boxes: list[_Box], la: LAParams = LAYOUT) -> list[Line]:
    """Boxes -> lines top to bottom: boxes overlapping vertically form a row; within a row, boxes
    left to right, joined unless a wide gap parts them (issuer | date, 责编 | 核稿)."""
    rows: list[list[_Box]] = []
    for box in sorted(boxes, key=lambda b: b.middle):
        if rows and _overlaps(rows[-1], box, la):
            rows[-1].append(box)
        else:
            rows.append([box])
    lines: list[Line] = []
    for row in rows:
        lines += _row_lines(sorted(row, key=lambda b: b.x0), la)
    return _short_line_sizes(lines)


# A line's type size is its width over its characters; on a line this short, digits (narrower
# than half an em) and a closing mark (whose box ends at its ink) throw that off.
_SIZED_BY_WIDTH = 8


def _short_line_sizes(lines: list[Line]) -> list[Line]:
    """Short lines get their size from their height, scaled as the page's long lines are."""
    ratios = [(ln.bottom - ln.top) / ln.size for ln in lines if len(ln.text) >= _SIZED_BY_WIDTH and ln.size > 0]
    if not ratios:
        return lines
    ratio = statistics.median(ratios)
    return [ln if len(ln.text) >= _SIZED_BY_WIDTH else replace(ln, size=(ln.bottom - ln.top) / ratio) for ln in lines]


def _overlaps(row: list[_Box], box: _Box, la: LAParams) -> bool:
    top = statistics.median(b.top for b in row)
    bottom = statistics.median(b.bottom for b in row)
    overlap = min(bottom, box.bottom) - max(top, box.top)
    return overlap >= la.line_overlap * min(bottom - top, box.bottom - box.top)


def _row_lines(row: list[_Box], la: LAParams) -> list[Line]:
    groups: list[list[_Box]] = [[row[0]]]
    for box in row[1:]:
        prev = groups[-1][-1]
        if box.x0 - prev.x1 > la.segment_gap * max(prev.em, box.em):
            groups.append([box])
        else:
            groups[-1].append(box)
    return [_line(group) for group in groups]


def _line(group: list[_Box]) -> Line:
    text = ""
    for box in group:
        text = join_text(text, box.text)
    chars = sum(len(b.text) for b in group)
    em = sum(b.em * len(b.text) for b in group) / chars
    return Line(text, group[0].x0, group[-1].x1, min(b.top for b in group), max(b.bottom for b in group), em)


def read_region(
    page, box: tuple[float, float, float, float], params: OcrParams = PARAMS, la: LAParams = LAYOUT
) -> tuple[list[Line], float]:
    """Part of a page -> its lines and their mean confidence. `box` is (left, top, right, bottom)
    in points from the page's top-left corner, as are the lines; only that part is rendered, so
    a masthead costs a fraction of a page."""
    if not available():
        raise OcrUnavailable(INSTALL_HINT)
    import math

    import numpy as np

    width, height = page.get_size()
    left, top, right, bottom = max(0.0, box[0]), max(0.0, box[1]), min(width, box[2]), min(height, box[3])
    zoom = min(params.dpi / 72, params.max_side / max(right - left, bottom - top, 1.0))
    bitmap = page.render(scale=zoom, grayscale=True, crop=(left, height - bottom, width - right, top))
    grey = bitmap.to_numpy()
    if grey.ndim == 3:
        grey = grey[..., 0]
    image = np.ascontiguousarray(np.repeat(grey[..., None], 3, axis=2))
    engine = _engine(params)
    with _LOCK:
        result = engine(image, **RECOGNISE)
    # pdfium crops whole pixels (rounded up): the bitmap's corner is there, not at `left, top`.
    dx, dy = math.ceil(left * zoom) / zoom, math.ceil(top * zoom) / zoom
    boxes = [
        replace(b, x0=b.x0 + dx, x1=b.x1 + dx, top=b.top + dy, bottom=b.bottom + dy)
        for b in _boxes(result, 1 / zoom, params.min_score)
    ]
    chars = sum(len(b.text) for b in boxes)
    confidence = sum(b.score * len(b.text) for b in boxes) / chars if chars else 0.0
    return lines_from_boxes(boxes, la), confidence
