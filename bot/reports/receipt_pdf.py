"""The signature receipt as a PDF: what a signer keeps and prints.

The same facts, text, hash and number as the HTML receipt (`bot.reports.receipt`), laid out
on A4 with a CJK font embedded (subset) from the machine, so the file shows the same on
every reader. The pledge text is shown wrapped to the page, and also attached to the PDF
byte for byte (`pledge-<key>-v<version>-<locale>.txt`, UTF-8): the attachment is what the
document SHA-256 is computed over, so it can be checked from the file itself.

The font comes from Debian's packages, found through fontconfig (`fc-list :lang=zh`) or at
their known paths: `fonts-wqy-microhei` (small, preferred) or `fonts-noto-cjk`. Without
one, `NoCjkFont` names the packages to install; the HTML receipt needs no font and still
works. fpdf2 was picked over reportlab: pure Python, TrueType collections (`.ttc`) and
file attachments built in, half the file size for the same receipt (12 KB against 24 KB
for a one-page test), and as fast (0.3-0.4 s, font subsetting included).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bot.errors import DomainError
from bot.i18n import Translator
from bot.reports.pledge_export import local_seconds
from bot.reports.receipt import receipt_facts
from bot.text import plain
from storage.models import Person, PledgeVersion, Signature

if TYPE_CHECKING:
    from fpdf import FPDF

PACKAGES = "fonts-wqy-microhei, fonts-noto-cjk"
# Known Debian paths, best first; fontconfig's list is tried after them (another distro,
# a font the bureau installed). (path, face index in a collection, monospace face index)
KNOWN_FONTS: tuple[tuple[str, int, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, 1),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, 1),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0, 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2, 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2, 2),
)


class NoCjkFont(DomainError, key="receipt-error-no-font"):
    """No font with Chinese characters on this machine: the PDF cannot be made."""

    def __init__(self) -> None:
        super().__init__(packages=PACKAGES)


@dataclass(frozen=True, slots=True)
class FontFile:
    path: Path
    index: int = 0  # the face in a TrueType collection (.ttc)
    mono_index: int = 0  # a monospace face for hashes, where the collection has one


def _fontconfig_fonts() -> list[FontFile]:
    """Fonts fontconfig says cover Chinese (empty without fontconfig)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        out = subprocess.run(  # noqa: S603 - fixed command, no shell
            [fc_list, ":lang=zh", "file", "index"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    found = []
    for line in sorted(out.splitlines()):
        path, _, rest = line.partition(":")
        index = rest.split("index=")[-1].strip() if "index=" in rest else "0"
        if path.lower().endswith((".ttf", ".ttc", ".otf")) and index.isdigit():
            found.append(FontFile(Path(path), int(index), int(index)))
    return found


def find_font(
    known: tuple[tuple[str, int, int], ...] = KNOWN_FONTS, *, fontconfig: bool = True
) -> FontFile | None:
    """The CJK font to embed: a known Debian one, else the first fontconfig names."""
    for path, index, mono in known:
        if Path(path).is_file():
            return FontFile(Path(path), index, mono)
    fonts = _fontconfig_fonts() if fontconfig else []
    return fonts[0] if fonts else None


@functools.cache
def system_font() -> FontFile | None:
    """`find_font()` once per process (fonts are not installed while Muster runs)."""
    return find_font()


def render_receipt_pdf(
    t: Translator,
    *,
    signature: Signature,
    text: PledgeVersion,
    person: Person,
    generated_at: datetime,
    font: FontFile | None,
) -> bytes:
    """The receipt as PDF bytes; NoCjkFont when `font` is None."""
    if font is None:
        raise NoCjkFont()
    from fpdf import FPDF  # noqa: PLC0415 - slow import, only receipts need it
    from fpdf.fonts import FontFace  # noqa: PLC0415

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(16, 18, 16)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(f"{plain(t('receipt-title'))} {signature.signature_no}")
    pdf.set_creator("Muster")
    pdf.add_font("cjk", "", str(font.path), collection_font_number=font.index)
    pdf.add_font("cjkmono", "", str(font.path), collection_font_number=font.mono_index)
    pdf.add_page()

    _lines(pdf, 18, 10, plain(t("receipt-title")), align="C")
    _lines(pdf, 13, 7, text.title, align="C")
    pdf.ln(3)
    pdf.set_font("cjk", size=10)
    mono_face = FontFace(family="cjkmono", size_pt=9)
    with pdf.table(
        col_widths=(34, 66),
        first_row_as_headings=False,
        line_height=5.5,
        wrapmode=WRAP_CHAR,
        borders_layout="ALL",
    ) as table:
        for label, value, mono in receipt_facts(t, signature=signature, text=text, person=person):
            row = table.row()
            row.cell(label)
            row.cell(value, style=mono_face if mono else None)

    _heading(pdf, plain(t("receipt-text-heading")))
    _lines(pdf, 11, 6, text.body, border=1, padding=3)
    _heading(pdf, plain(t("receipt-verify-heading")))
    attachment = f"pledge-{text.key}-v{text.version}-{text.locale}.txt"
    verify = t("receipt-verify-text-pdf", number=signature.signature_no, file=attachment)
    _lines(pdf, 9.5, 5, plain(verify))
    pdf.ln(4)
    generated = t("receipt-generated", time=local_seconds(t, generated_at))
    _lines(pdf, 9, 5, plain(generated), align="R")

    pdf.embed_file(
        basename=attachment,
        bytes=text.body.encode("utf-8"),
        desc=plain(t("receipt-text-heading")),
        modification_date=signature.signed_at,
    )
    return bytes(pdf.output())


WRAP_CHAR = "CHAR"  # CJK text has no spaces: lines break between characters


def _lines(
    pdf: FPDF,
    size: float,
    height: float,
    text: str,
    *,
    align: str = "L",
    border: Literal[0, 1] = 0,
    padding: int = 0,
) -> None:
    """Text in the regular face, wrapped across the page width, then a new line."""
    from fpdf.enums import WrapMode  # noqa: PLC0415

    pdf.set_font("cjk", size=size)
    pdf.multi_cell(
        pdf.epw,
        height,
        text,
        border=border,
        align=align,
        padding=padding,
        wrapmode=WrapMode.CHAR,
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _heading(pdf: FPDF, title: str) -> None:
    pdf.ln(4)
    pdf.set_font("cjk", size=12)
    pdf.cell(pdf.epw, 7, title, border="B", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
