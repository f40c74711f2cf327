"""The visible signature stamp of a signed result: the font (DejaVu Sans, subset to Latin and
Vietnamese), text measured and wrapped to the stamp's box, its layout (QR code beside the
signer, position, agency and signing time) and pyHanko's stamp style. Used by ``signatures.pdf``.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import QRStamp, QRStampStyle

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
STAMP_SIZES = (9, 8, 7, 6)  # whole points: pyHanko writes Tf and TL with %d
STAMP_PADDING = 3  # between the border, the QR code and the text
QR_MAX = 64  # 22.6 mm
# The glyphs' extent below the baseline, as a share of the size (DejaVu Sans, pdfminer's too).
DESCENT = 0.24
ISO_TIME = "%Y-%m-%dT%H:%M:%S%z"
TIME_FORMAT = "%H:%M:%S %d/%m/%Y"
STAMP_LABELS = ("Ký bởi:", "Chức vụ:", "Cơ quan:", "Thời gian ký:")


def _font_path() -> Path:
    return Path(getattr(settings, "RECEIPT_FONT_DIR", "/usr/share/fonts/truetype/dejavu")) / (
        "DejaVuSans.ttf"
    )


# Latin, Vietnamese (Latin Extended Additional), combining marks and punctuation.
STAMP_RANGES = ((0x20, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF), (0x2000, 0x206F))


@lru_cache(maxsize=1)
def _stamp_font() -> str:
    """A small copy of the font holding only what a Vietnamese stamp needs, made once per
    process: pyHanko subsets the stamp's font on every signature, and subsetting the whole
    DejaVu Sans (with its layout tables) was three quarters of the time of a signature.

    The copy is scaled to 1,000 units per em: pyHanko writes the font's advance widths into
    the PDF's /W array as they are, and PDF reads them as thousandths of an em, so DejaVu's
    2,048 units spread every letter to twice its width in viewers."""
    from fontTools import subset
    from fontTools.ttLib.scaleUpem import scale_upem

    source = _font_path()
    target = Path(tempfile.gettempdir()) / f"portal-stamp-1000-{source.stat().st_mtime_ns}.ttf"
    if not target.exists():
        options = subset.Options()
        options.layout_features = []
        options.hinting = False
        options.notdef_outline = True
        font = subset.load_font(str(source), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(
            unicodes=[c for start, end in STAMP_RANGES for c in range(start, end + 1)]
        )
        subsetter.subset(font)
        scale_upem(font, 1000)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        subset.save_font(font, str(partial), options)
        os.replace(partial, target)
    return str(target)


@lru_cache(maxsize=1)
def _advances() -> tuple[dict[int, int], int]:
    """Advance width of each character of the stamp font, in thousandths of an em."""
    from fontTools.ttLib import TTFont

    font = TTFont(_stamp_font())
    metrics = font["hmtx"].metrics
    widths = {code: metrics[name][0] for code, name in font.getBestCmap().items()}
    return widths, metrics[".notdef"][0]


def text_width(text: str, size: float) -> float:
    """The width of ``text`` set in the stamp font at ``size`` points (no kerning: the stamp
    font has no layout features, so HarfBuzz advances each glyph by its width)."""
    widths, missing = _advances()
    return sum(widths.get(ord(c), missing) for c in text) * size / 1000


def _wrap(words: list[str], width: float, size: float) -> list[str]:
    """``words`` set in lines no wider than ``width``: broken between words, and inside a word
    only when the word alone is wider than a line."""
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while text_width(line, size) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and text_width(line[:cut], size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines


@dataclass(frozen=True)
class StampLayout:
    lines: list[str]
    size: int
    leading: int
    qr: float


def stamp_layout(
    *, signer: str, position: str, agency: str, signed_at: str, width: float, height: float
) -> StampLayout:
    """The stamp's four lines wrapped beside the QR code in a box of ``width`` by ``height``
    points, at the largest of ``STAMP_SIZES`` at which every line fits; the signing time stays
    in one piece. Nothing is ever cut: if even the smallest size overflows, the stamp is drawn
    smaller as a whole (same proportions)."""
    border = 1
    qr = min(height - 2 * (STAMP_PADDING + border), QR_MAX)
    text_room = width - 2 * border - qr - 3 * STAMP_PADDING - 1  # 1: widths rounded
    words = [
        [*label.split(), *unicodedata.normalize("NFC", value).split()]
        for label, value in zip(STAMP_LABELS, (signer, position, agency), strict=False)
    ]
    time_line = f"{STAMP_LABELS[3]} {signed_at}"
    words.append([time_line])  # on one line at the size chosen if it can be
    for size in STAMP_SIZES:
        leading = size + max(1, round(size / 4))
        lines = [line for group in words for line in _wrap(group, text_room, size)]
        room = height - 2 * (STAMP_PADDING + border) - DESCENT * size
        if len(lines) * leading <= room and text_width(time_line, size) <= text_room:
            break
    else:
        words[-1] = [*STAMP_LABELS[3].split(), signed_at]  # the label may then break
        lines = [line for group in words for line in _wrap(group, text_room, size)]
    return StampLayout(lines=lines, size=size, leading=leading, qr=qr)


@dataclass(frozen=True)
class _Stamp(QRStampStyle):
    """pyHanko's QR stamp, laid out for the box it is drawn in: the text wrapped to the room
    beside the QR code (pyHanko's text box does not wrap, and shrinks a long line with the
    whole stamp), in Vietnam's time, never stretched."""

    def create_stamp(self, writer, box, text_params):
        params = dict(text_params)
        signed_at = dt.datetime.strptime(params.pop("ts"), ISO_TIME).astimezone(ZONE)
        layout = stamp_layout(
            signer=params["signer"],
            position=params["position"],
            agency=params["agency"],
            signed_at=signed_at.strftime(TIME_FORMAT),
            width=box.width,
            height=box.height,
        )
        style = replace(
            self,
            stamp_text="%(body)s",
            qr_inner_size=layout.qr,
            text_box_style=TextBoxStyle(
                font=GlyphAccumulatorFactory(_stamp_font(), font_size=layout.size),
                font_size=layout.size,
                leading=layout.leading,
                box_layout_rule=SimpleBoxLayoutRule(
                    x_align=AxisAlignment.ALIGN_MIN,
                    y_align=AxisAlignment.ALIGN_MID,
                    margins=Margins(left=0, right=0, top=0, bottom=0),
                    inner_content_scaling=InnerScaling.NO_SCALING,
                ),
            ),
            inner_content_layout=SimpleBoxLayoutRule(
                x_align=AxisAlignment.ALIGN_MIN,
                y_align=AxisAlignment.ALIGN_MID,
                margins=Margins.uniform(1),
                inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
            ),
        )
        return QRStamp(
            writer,
            style=style,
            url=params["url"],
            text_params={"body": "\n".join(layout.lines)},
            box=box,
        )


def _stamp_style() -> QRStampStyle:
    return _Stamp(
        innsep=STAMP_PADDING,
        timestamp_format=ISO_TIME,
        border_width=1,
    )
