"""The printable certificate: reproducible bytes, extractable text in any script, A4 landscape."""

import logging
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest
import segno

from learn.core.certificate import CertificateData
from learn.documents import pdf as certificate_pdf_module
from learn.documents.pdf import FONTS_DIR, certificate_pdf, format_date, unprintable_characters

ROOT = Path(__file__).resolve().parents[2]
CODE = "7K2M-9QXR-0B4D-HJ6T-WZ3E"
BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdfinfo") and shutil.which("pdftoppm")),
    reason="needs poppler-utils (pdftotext, pdfinfo, pdftoppm)",
)


def make_data(**changes) -> CertificateData:
    values = {
        "learner_name": "Zoë Łukasiewicz-Núñez",
        "track_title": "Responsible public procurement",
        "course_title": "Preventing trafficking in persons",
        "course_version": "2025.1",
        "issued_on": date(2025, 1, 31),
        "expires_on": date(2027, 1, 31),
        "issuer": "Example Procurement Academy",
        "code": CODE,
        "verify_url": f"https://learn.example.org/verify/{CODE}",
    }
    values.update(changes)
    return CertificateData(**values)


def pdftotext(document: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(document)
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


def squeeze(text: str) -> str:
    """NFKC (folds Arabic presentation forms), without whitespace or bidi controls."""
    text = unicodedata.normalize("NFKC", text).translate(BIDI_CONTROLS)
    return "".join(text.split())


def test_fonts_ship_with_their_licence():
    assert (FONTS_DIR / "DejaVuSans.ttf").is_file()
    assert (FONTS_DIR / "DejaVuSans-Bold.ttf").is_file()
    assert "Bitstream" in (FONTS_DIR / "LICENSE").read_text(encoding="utf-8")
    assert FONTS_DIR == ROOT / "static" / "fonts"


def test_same_data_gives_identical_bytes():
    data = make_data()
    first = certificate_pdf(data)
    assert first.startswith(b"%PDF-")
    assert certificate_pdf(data) == first
    assert certificate_pdf(make_data()) == first


def test_different_data_gives_different_bytes():
    assert certificate_pdf(make_data()) != certificate_pdf(
        make_data(code="0000-0000-0000-0000-0000")
    )


SCRIPT = """
import sys
from datetime import date
from learn.core.certificate import CertificateData
from learn.documents.pdf import certificate_pdf
data = CertificateData(
    learner_name=sys.argv[1], track_title="Responsible public procurement",
    course_title="Preventing trafficking in persons", course_version="2025.1",
    issued_on=date(2025, 1, 31), expires_on=date(2027, 1, 31),
    issuer="Example Procurement Academy", code=sys.argv[2], verify_url=sys.argv[3],
)
sys.stdout.buffer.write(certificate_pdf(data))
"""


@pytest.mark.parametrize("hash_seed", ["0", "4242"])
def test_same_data_gives_identical_bytes_in_a_fresh_process(hash_seed):
    data = make_data(learner_name="ليلى أحمد")
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT), "TZ": "Asia/Tokyo"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, data.learner_name, data.code, data.verify_url],
        capture_output=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    assert result.stdout == certificate_pdf(data)


def test_page_is_a4_landscape():
    document = certificate_pdf(make_data())
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", document)
    assert boxes == [(b"841.89", b"595.28")]  # 297 x 210 mm in points, one page


@pytest.mark.parametrize(
    "name",
    ["Zoë Łukasiewicz-Núñez", "Анна Петрова", "ليلى أحمد", "Nguyễn Thị Ánh", "Ευάγγελος Ζαχαρίου"],
    ids=["latin", "cyrillic", "arabic", "vietnamese", "greek"],
)
def test_the_font_draws_every_character(name, caplog):
    assert unprintable_characters(name) == ""
    with caplog.at_level(logging.WARNING, logger="learn.documents.pdf"):
        certificate_pdf(make_data(learner_name=name))
    assert caplog.records == []


def test_characters_missing_from_the_font_are_reported(caplog):
    assert unprintable_characters("王小明 王 Ada") == "王小明"
    with caplog.at_level(logging.WARNING, logger="learn.documents.pdf"):
        certificate_pdf(make_data(learner_name="王小明"))
    assert [r.getMessage() for r in caplog.records] == [
        f"Certificate {CODE}: the font has no glyph for 3 character(s)"
    ]


@needs_poppler
@pytest.mark.parametrize(
    "name",
    ["Zoë Łukasiewicz-Núñez", "Анна Петрова"],
    ids=["latin", "cyrillic"],
)
def test_text_is_extractable(name, tmp_path):
    text = pdftotext(certificate_pdf(make_data(learner_name=name)), tmp_path)
    assert name in text
    assert "Certificate of completion" in text
    assert "Responsible public procurement" in text
    assert "Preventing trafficking in persons (version 2025.1)" in text
    assert CODE in text
    assert f"https://learn.example.org/verify/{CODE}" in text
    assert "31 January 2025" in text
    assert "31 January 2027" in text
    assert "Example Procurement Academy" in text


@needs_poppler
def test_arabic_name_is_extractable(tmp_path):
    name = "ليلى أحمد"
    text = squeeze(pdftotext(certificate_pdf(make_data(learner_name=name)), tmp_path))
    letters = squeeze(name)
    # Extraction may give logical or visual order; the letters must all be there, in a row.
    assert letters in text or letters[::-1] in text
    assert CODE in text


@needs_poppler
def test_no_expiry_prints_no_expiry_date(tmp_path):
    text = pdftotext(certificate_pdf(make_data(expires_on=None)), tmp_path)
    assert "Expires" not in text
    assert "31 January 2025" in text


@needs_poppler
def test_metadata(tmp_path):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(certificate_pdf(make_data()))
    info = subprocess.run(
        ["pdfinfo", "-enc", "UTF-8", str(path)], capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert re.search(r"^Title:\s+Certificate of completion: Zoë Łukasiewicz-Núñez", info, re.M)
    assert re.search(r"^Author:\s+Example Procurement Academy$", info, re.M)
    assert re.search(r"^Producer:\s+learn$", info, re.M)
    assert re.search(r"^Pages:\s+1$", info, re.M)
    assert re.search(r"^CreationDate:.*2025", info, re.M)
    assert b"/Lang (en)" in path.read_bytes()


@needs_poppler
def test_long_texts_stay_on_one_page(tmp_path):
    data = make_data(
        learner_name="Maria Alexandra Konstantinopoulou-Wittgenstein de la Fuente y Hernández",
        track_title="Identifying and mitigating the risks of forced labour in global supply chains",
        issuer="International Inter-Agency Coordination Group for Ethical Public Procurement",
    )
    text = pdftotext(certificate_pdf(data), tmp_path)
    assert "Konstantinopoulou-Wittgenstein" in text
    assert CODE in text
    assert text.count("\f") == 1


@needs_poppler
def test_qr_code_encodes_the_verify_url(tmp_path):
    """Rasterise the page and read the QR code's modules back at their centres."""
    data = make_data()
    path = tmp_path / "certificate.pdf"
    path.write_bytes(certificate_pdf(data))
    dpi = 300
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", str(path), str(tmp_path / "page")], check=True
    )
    width, height, pixels = read_pgm(next(tmp_path.glob("page*.pgm")))

    matrix = [list(row) for row in segno.make_qr(data.verify_url, error="m").matrix]
    m = certificate_pdf_module
    module = m.QR_SIZE / len(matrix)
    x0, y0 = m.PAGE_W - m.MARGIN - m.QR_SIZE, m.FOOTER_TOP
    px = dpi / 25.4

    def is_dark(r: int, c: int) -> bool:
        row = int((y0 + (r + 0.5) * module) * px)
        col = int((x0 + (c + 0.5) * module) * px)
        return pixels[row * width + col] < 128

    read = [[is_dark(r, c) for c in range(len(matrix))] for r in range(len(matrix))]
    assert read == [[bool(v) for v in row] for row in matrix]


def read_pgm(path: Path) -> tuple[int, int, bytes]:
    raw = path.read_bytes()
    magic, width, height, maxval, pixels = raw.split(maxsplit=4)
    assert magic == b"P5" and maxval == b"255"
    return int(width), int(height), pixels


@pytest.mark.parametrize(
    ("day", "text"),
    [(date(2025, 1, 31), "31 January 2025"), (date(2026, 12, 1), "1 December 2026")],
)
def test_format_date(day, text):
    assert format_date(day) == text
