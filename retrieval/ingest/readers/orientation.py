"""Which way up a scanned page lies, and whether what OCR read from it is text at all.

A sheet fed sideways or upside down comes out of the scanner as an image turned 90, 180 or 270
degrees; the PDF says nothing about it. Recognising such an image as it is yields junk, or, for
a page turned 270 degrees, whole lines in the wrong order (the engine turns tall line crops
itself). So before recognition a page's turn is guessed cheaply, from what RapidOCR ships:

- text detection on a small copy of the page: lines taller than wide mean a page on its side;
- the text-line direction classifier (0 or 180 degrees) on the longest line crops, turned to lie
  flat: the majority, weighted by score, says whether the page is upside down.

An upright page pays one small detection and one classifier pass over a few crops (about 0.15 s,
under a tenth of its recognition). After recognition, `plausible` checks that the page reads as
Chinese; a page that does not is read again in the other turns (see ocr.read_page).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ...text import CJK

TURNS = (0, 90, 180, 270)
"""Degrees anticlockwise an image is turned to read upright."""


@dataclass(frozen=True)
class OrientParams:
    """How a page's turn is guessed, and when recognised text is taken for text."""

    side: int = 480
    """Pixels: the longer side of the copy text detection sees (16 pt type is then 13 px high)."""
    crops: int = 10
    """Longest line crops the direction classifier sees."""
    elongation: float = 2.0
    """A detected box this many times longer one way than the other is a line lying that way."""
    min_confidence: float = 0.8
    """Recognised text with a lower mean score (characters weighted) is not taken for text:
    an upright scan reads at 0.95-1.0, a turned one at about 0.6."""
    min_common_share: float = 0.9
    """Share of common characters (GB2312 but kana, Greek and Cyrillic: the common Hanzi, ASCII,
    Chinese punctuation) text has."""
    min_hanzi_share: float = 0.3
    """Share of Hanzi among the characters of a page of this bulletin."""
    judged_from: int = 20
    """Characters: a page with fewer (a page number, a stamp) is not asked to hold Hanzi."""


ORIENT = OrientParams()
_HANZI = re.compile(f"[{CJK}]")


@dataclass(frozen=True)
class Guess:
    """The turn that reads a page upright, and whether the detected lines agreed on it."""

    turn: int
    clear: bool
    """Most lines lay one way: the page is not worth reading on its other axis."""
    lines: int
    """Text lines detected (boxes lying flat once turned)."""


def guess(engine, image, params: OrientParams = ORIENT) -> Guess:
    """The turn (0, 90, 180, 270) that reads `image` upright; `engine` is a RapidOCR engine."""
    import cv2

    scale = params.side / max(image.shape[:2])
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
    scale = min(scale, 1.0)
    found = engine(small, use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(found, "boxes", None)
    if boxes is None or not len(boxes):
        return Guess(0, False, 0)
    spans = [_span(box, scale) for box in boxes]
    wide = sum(bool(w >= params.elongation * h) for _, _, w, h in spans)
    tall = sum(bool(h >= params.elongation * w) for _, _, w, h in spans)
    lying = tall > wide
    clear = max(wide, tall) >= 0.75 * len(spans)
    quarter = 270 if lying else 0  # a page on its side is first turned clockwise
    longest = sorted(spans, key=lambda s: -max(s[2], s[3]))[: params.crops]
    crops = [turned(crop, quarter) for crop in (_crop(image, span) for span in longest) if min(crop.shape[:2]) > 1]
    upside_down = 0.0
    for crop in crops:
        label, score = engine(crop, use_det=False, use_cls=True, use_rec=False).cls_res[0]
        upside_down += float(score) if "180" in label else -score
    turn = (quarter + (180 if upside_down > 0 else 0)) % 360
    return Guess(turn, clear, max(wide, tall))


def turned(image, turn: int):
    """The image turned `turn` degrees anticlockwise (a multiple of 90), contiguous for the engine."""
    import numpy as np

    return np.ascontiguousarray(np.rot90(image, turn // 90)) if turn % 360 else image


def others(first: Guess) -> list[int]:
    """The turns to try after `first` read as junk: upside down, then, unless the lines clearly
    lay one way, the other axis."""
    flip = (first.turn + 180) % 360
    if first.clear:
        return [flip]
    return [flip] + [t for t in ((first.turn + 90) % 360, (first.turn + 270) % 360)]


def plausible(text: str, confidence: float, params: OrientParams = ORIENT) -> bool:
    """Whether recognised text (no whitespace) at this mean score reads as this bulletin's
    Chinese: confident, mostly common characters and, once there is more than a line or so, a
    fair share of them Hanzi. No text at all (a blank page) passes."""
    if not text:
        return True
    if confidence < params.min_confidence:
        return False
    if sum(map(_common, text)) < params.min_common_share * len(text):
        return False
    return len(text) < params.judged_from or len(_HANZI.findall(text)) >= params.min_hanzi_share * len(text)


def _span(box, scale: float) -> tuple[float, float, float, float]:
    """(left, top, width, height) of a detected quadrilateral, in full-size pixels."""
    xs, ys = [p[0] / scale for p in box], [p[1] / scale for p in box]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def _crop(image, span: tuple[float, float, float, float]):
    left, top, width, height = span
    rows, cols = image.shape[:2]
    y0, y1 = max(0, int(top)), min(rows, int(top + height) + 1)
    x0, x1 = max(0, int(left)), min(cols, int(left + width) + 1)
    return image[y0:y1, x0:x1]


@functools.lru_cache(maxsize=8192)
def _common(ch: str) -> bool:
    if ch.isascii():
        return ch.isprintable()
    if "\u3040" <= ch <= "\u30ff" or "\u0370" <= ch <= "\u04ff":
        return False  # kana, Greek and Cyrillic are in GB2312, never in this bulletin: what junk reads as
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return ch in "“”‘’—…·《》〈〉【】「」『』〔〕–•●○■□▲△◆◇★☆"
    return True
