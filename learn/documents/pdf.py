"""The printable certificate: one A4 landscape page made with fpdf2.

The page is reproducible: the same :class:`CertificateData` always gives the same bytes (with
the same versions of fpdf2, fontTools, uharfbuzz, segno and the shipped fonts). The creation
date is the issue date, the producer is fixed, the file ID is fpdf2's hash of the content,
and the QR code is drawn as vector rectangles rather than an embedded image.

Text is set in DejaVu Sans, shipped in ``static/fonts/``, with HarfBuzz text shaping (uharfbuzz)
so that Arabic letters join and right-to-left names read correctly. Text stays extractable.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import segno
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos

from learn.core.certificate import CertificateData

logger = logging.getLogger(__name__)

FONTS_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT_FAMILY = "DejaVuSans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

TITLE = "Certificate of completion"
PRODUCER = "learn"

PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, mm
MARGIN = 25.0
CONTENT_W = PAGE_W - 2 * MARGIN

INK = (33, 37, 41)
MUTED = (95, 104, 112)
ACCENT = (31, 64, 104)
QR_SIZE = 34.0  # mm, without the quiet zone: the space around it is kept empty
FOOTER_TOP = PAGE_H - MARGIN - QR_SIZE + 2

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_date(day: date) -> str:
    """Return ``day`` as "31 January 2025" (English, independent of the process locale)."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


@cache
def _font_characters() -> frozenset[int]:
    """Return the code points that every shipped font style has a glyph for."""
    maps = []
    for filename in FONT_FILES.values():
        with TTFont(FONTS_DIR / filename, lazy=True) as font:
            maps.append(frozenset(font.getBestCmap()))
    return frozenset.intersection(*maps)


def unprintable_characters(text: str) -> str:
    """Return the characters of ``text`` the certificate's font cannot draw, in order, once each.

    Such characters print as empty boxes (DejaVu Sans has no Chinese, Japanese, Korean,
    Devanagari...). Whitespace and invisible formatting characters are ignored.
    """
    covered = _font_characters()
    missing = dict.fromkeys(
        char
        for char in text
        if ord(char) not in covered
        and not char.isspace()
        and unicodedata.category(char) not in ("Cc", "Cf")
    )
    return "".join(missing)


def certificate_pdf(data: CertificateData) -> bytes:
    """Return the certificate for ``data`` as PDF bytes (A4 landscape, one page)."""
    printed = (data.learner_name, data.track_title, data.course_title, data.issuer)
    missing = unprintable_characters(" ".join(printed))
    if missing:
        logger.warning(
            "Certificate %s: the font has no glyph for %d character(s)", data.code, len(missing)
        )
    pdf = _new_document(data)
    pdf.add_page()
    _draw_border(pdf)
    _draw_body(pdf, data, top=22.0, bottom=FOOTER_TOP - 6)
    _draw_footer(pdf, data)
    return bytes(pdf.output())


def _new_document(data: CertificateData) -> FPDF:
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    for style, filename in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style, FONTS_DIR / filename)
    # Needs uharfbuzz; without shaping, Arabic would print as unjoined letters in reverse order.
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title(f"{TITLE}: {data.learner_name}, {data.track_title}")
    pdf.set_author(data.issuer)
    pdf.set_subject(f"{data.track_title}, {data.course_title} (version {data.course_version})")
    pdf.set_keywords(data.code)
    pdf.set_creator(PRODUCER)
    pdf.set_producer(PRODUCER)
    pdf.set_lang("en")
    # Fixed, derived from the data: fpdf2 otherwise stamps "now", and the file ID hashes it.
    issued = data.issued_on
    pdf.set_creation_date(datetime(issued.year, issued.month, issued.day, tzinfo=UTC))
    return pdf


def _draw_border(pdf: FPDF) -> None:
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.8)
    pdf.rect(9, 9, PAGE_W - 18, PAGE_H - 18)
    pdf.set_line_width(0.25)
    pdf.rect(12.5, 12.5, PAGE_W - 25, PAGE_H - 25)


def _fit_size(
    pdf: FPDF, text: str, style: str, size: float, min_size: float, width: float, lines: int = 1
) -> float | None:
    """Return the largest size from ``size`` down to ``min_size`` at which ``text`` fits.

    ``width`` is the width of a line; ``text`` may wrap onto at most ``lines`` lines. Return
    None when it does not fit even at ``min_size``.
    """
    while size >= min_size:
        pdf.set_font(FONT_FAMILY, style, size)
        if lines == 1:
            fits = pdf.get_string_width(text) <= width
        else:
            wrapped = pdf.multi_cell(width, 5, text, dry_run=True, output=MethodReturnValue.LINES)
            fits = len(wrapped) <= lines
        if fits:
            return size
        size -= 1
    return None


@dataclass(frozen=True)
class _Line:
    """One centred paragraph of the certificate's body."""

    text: str
    size: float
    style: str = ""
    color: tuple[int, int, int] = INK
    #: Shrink down to this size before wrapping onto a second line; None keeps ``size``.
    min_size: float | None = None
    #: Space above the paragraph, in mm.
    space: float = 0.0
    #: Draw the short accent rule below this paragraph.
    rule: bool = False


def _body_lines(data: CertificateData) -> list[_Line]:
    course = f"{data.course_title} (version {data.course_version})"
    return [
        _Line(data.issuer, 12, color=MUTED, min_size=8),
        _Line(TITLE, 30, "B", ACCENT, space=3, rule=True),
        _Line("This is to certify that", 12, color=MUTED, space=12),
        _Line(data.learner_name, 30, "B", min_size=16, space=3),
        _Line("has completed the track", 12, color=MUTED, space=4),
        _Line(data.track_title, 18, "B", min_size=12, space=2),
        _Line("of the course", 12, color=MUTED, space=3),
        _Line(course, 14, min_size=10, space=2),
    ]


_RULE_SPACE = 2.0


def _write(pdf: FPDF, line: _Line, *, dry_run: bool = False) -> float:
    """Write ``line`` centred across the content width; return the height it takes."""
    size = line.size
    if line.min_size is not None:
        # One line if it fits at min_size or above, else two lines as large as possible.
        size = (
            _fit_size(pdf, line.text, line.style, size, line.min_size, CONTENT_W - 2 * pdf.c_margin)
            or _fit_size(pdf, line.text, line.style, size, line.min_size, CONTENT_W, lines=2)
            or line.min_size
        )
    pdf.set_font(FONT_FAMILY, line.style, size)
    pdf.set_text_color(*line.color)
    pdf.set_x(MARGIN)
    height = pdf.multi_cell(
        CONTENT_W,
        size * 1.25 * 25.4 / 72,
        line.text,
        align=Align.C,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
        dry_run=dry_run,
        output=MethodReturnValue.HEIGHT,
    )
    return float(height)


def _draw_body(pdf: FPDF, data: CertificateData, top: float, bottom: float) -> None:
    """Draw the body's paragraphs, centred vertically between ``top`` and ``bottom``."""
    lines = _body_lines(data)
    height = sum(
        line.space + _write(pdf, line, dry_run=True) + (_RULE_SPACE if line.rule else 0)
        for line in lines
    )
    pdf.set_y(top + max(0.0, (bottom - top - height) / 2))
    for line in lines:
        pdf.set_y(pdf.get_y() + line.space)
        _write(pdf, line)
        if line.rule:
            y = pdf.get_y() + _RULE_SPACE
            pdf.set_draw_color(*ACCENT)
            pdf.set_line_width(0.4)
            pdf.line(PAGE_W / 2 - 25, y, PAGE_W / 2 + 25, y)
            pdf.set_y(y)


def _draw_footer(pdf: FPDF, data: CertificateData) -> None:
    top = FOOTER_TOP
    left_w = 110.0

    def line(label: str, value: str) -> None:
        pdf.set_x(MARGIN)
        pdf.set_font(FONT_FAMILY, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.cell(left_w, 5, label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT_FAMILY, "B", _fit_size(pdf, value, "B", 11, 7, left_w - 2) or 7)
        pdf.set_text_color(*INK)
        pdf.cell(left_w, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)

    pdf.set_y(top)
    line("Issued on", format_date(data.issued_on))
    if data.expires_on is not None:
        line("Expires on", format_date(data.expires_on))
    line("Issued by", data.issuer)

    qr_x = PAGE_W - MARGIN - QR_SIZE
    qr_y = FOOTER_TOP
    _draw_qr(pdf, data.verify_url, qr_x, qr_y, QR_SIZE)

    # The code and the URL, right-aligned next to the QR code.
    text_right = qr_x - 5
    text_w = text_right - (MARGIN + left_w + 5)
    text_x = text_right - text_w
    pdf.set_y(qr_y + 4)
    pdf.set_x(text_x)
    pdf.set_font(FONT_FAMILY, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(text_w, 5, "Verification code", align=Align.R, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "B", 14)
    pdf.set_text_color(*INK)
    pdf.cell(text_w, 8, data.code, align=Align.R, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_x(text_x)
    pdf.set_font(FONT_FAMILY, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(
        text_w, 5, "Check this certificate at", align=Align.R, new_x=XPos.LEFT, new_y=YPos.NEXT
    )
    size = _fit_size(pdf, data.verify_url, "", 9, 7, text_w - 2 * pdf.c_margin)
    pdf.set_font(FONT_FAMILY, "", size or 7)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(text_w, 4.5, data.verify_url, align=Align.R, link=data.verify_url)


def _draw_qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """Draw a QR code of ``url`` as filled rectangles, one per run of dark modules in a row."""
    qr = segno.make_qr(url, error="m")
    rows = [[module == 0x1 for module in row] for row in qr.matrix_iter(border=0)]
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")
