"""A topic's trend as a PNG bar chart for Telegram, drawn with Pillow.

Drawn here, in bot/, because only the chat sends the chart as an image: the web draws the same
geometry (replies.trend.chart_layout) as inline SVG, and the command line prints a table. The
image holds only ASCII digits (years and counts), so Pillow's own font serves and no CJK font is
needed; the Chinese goes in the caption.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from replies.trend import chart_layout
from retrieval.models import Trend

# 2x a phone's width: sharp on a phone's screen, small to send (a few kB).
WIDTH = 720
HEIGHT = 400
MARGIN = 16
FONT_SIZE = 22
# Year labels at most this many: past it every n-th year is labelled.
MAX_YEAR_LABELS = 10
PAPER = (255, 255, 255)
INK = (31, 35, 40)
BAR = (155, 28, 28)
EMPTY = (216, 222, 228)


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font at a size (Pillow 10.1 and later); its fixed bitmap font before."""
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow 10.0: no size
        return ImageFont.load_default()


def trend_png(trend: Trend) -> bytes:
    """The chart: a bar per held year, its count above it, the years below."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    text_font = font(FONT_SIZE)
    inner = WIDTH - 2 * MARGIN
    layout = chart_layout(trend, inner, HEIGHT - MARGIN, axis=FONT_SIZE + 16, head=FONT_SIZE + 12)
    step = max(1, -(-len(layout.bars) // MAX_YEAR_LABELS))
    for index, bar in enumerate(layout.bars):
        left, right = MARGIN + bar.x, MARGIN + bar.x + bar.width
        centre = (left + right) / 2
        top = bar.y if bar.articles else layout.baseline - 3
        draw.rectangle((left, top, right, layout.baseline), fill=BAR if bar.articles else EMPTY)
        draw.text((centre, top - 6), str(bar.articles), fill=INK, font=text_font, anchor="ms")
        if index % step == 0 or index == len(layout.bars) - 1:
            draw.text((centre, layout.baseline + 8), str(bar.year), fill=INK, font=text_font, anchor="mt")
    draw.line((MARGIN, layout.baseline, WIDTH - MARGIN, layout.baseline), fill=INK, width=2)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
