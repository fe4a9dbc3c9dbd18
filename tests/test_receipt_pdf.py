"""The signature receipt as a PDF: the same text, hash and number as the HTML receipt, in
the chat (the signer's own), from the CLI and the console; without a CJK font the PDF
says which package to install and the HTML receipt still works."""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest

from bot.actor import Actor
from bot.app import App
from bot.cli import main
from bot.core import Document
from bot.errors import NotAllowed
from bot.reports import receipt_pdf
from bot.reports.receipt import render_receipt
from storage.models import PledgeVersion, Signature
from tests.chat import ChatUser
from tests.test_pledge_reports import KEY, _pre_text, cli_db, signed

__all__ = ["cli_db"]  # the CLI fixture of the pledge report tests


def _squeeze(text: str) -> str:
    """Text without whitespace: the PDF wraps lines where the page ends."""
    return re.sub(r"\s+", "", text)


def _read(pdf: bytes) -> tuple[str, dict[str, list[bytes]]]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text, reader.attachments


@pytest.fixture
def no_font(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine without a CJK font (neither the known Debian paths nor fontconfig)."""
    receipt_pdf.system_font.cache_clear()
    monkeypatch.setattr(receipt_pdf, "find_font", lambda: None)
    yield
    receipt_pdf.system_font.cache_clear()


def _document(user: ChatUser) -> Document:
    [reply] = user.last
    assert reply.document is not None
    return reply.document


async def _signed(app: App) -> tuple[ChatUser, ChatUser, Signature, PledgeVersion]:
    users, sig, text, _ = await signed(app)
    return users["A001"], users["A002"], sig, text


async def test_the_signer_gets_a_pdf_with_the_signed_text_its_hash_and_number(
    app: App, cjk_font: None
) -> None:
    alice, _, sig, text = await _signed(app)
    assert "📄 签署回执（PDF）" in alice.labels()
    await alice.press("签署回执（PDF）")
    doc = _document(alice)
    assert doc.filename == f"receipt-{sig.signature_no}.pdf"
    assert doc.content.startswith(b"%PDF-")
    assert f"签署回执 {sig.signature_no}" in alice.text

    shown, attachments = _read(doc.content)
    flat = _squeeze(shown)
    for fact in (
        "承诺书签署回执",
        sig.signature_no,
        sig.document_sha256,
        sig.audit_hash,
        "张三",
        "A001",
        "城关派出所",
        "第1版（zh_CN）",
        "2026-12-0110:00:00(Asia/Shanghai)",
    ):
        assert _squeeze(fact) in flat, fact
    assert _squeeze(text.body) in flat  # the whole signed text, as shown on the page
    # ... and byte for byte as an attachment, whose SHA-256 is the document hash
    [(name, [attached])] = attachments.items()
    assert name == f"pledge-{KEY}-v1-zh_CN.txt"
    assert attached.decode("utf-8") == text.body
    assert hashlib.sha256(attached).hexdigest() == sig.document_sha256 == text.sha256


async def test_pdf_and_html_receipts_carry_the_same_number_hash_and_text(
    app: App, cjk_font: None
) -> None:
    _, _, sig, text = await _signed(app)
    async with app.unit_of_work() as svc:
        _, _, person = await svc.pledges.receipt(Actor.cli(), sig.signature_no)
    t = app.translator().text_only()
    made = {"signature": sig, "text": text, "person": person, "generated_at": app.clock.now()}
    page = render_receipt(t, **made)  # type: ignore[arg-type]
    pdf = receipt_pdf.render_receipt_pdf(t, font=receipt_pdf.system_font(), **made)  # type: ignore[arg-type]
    shown, attachments = _read(pdf)
    assert _pre_text(page) == next(iter(attachments.values()))[0].decode("utf-8")
    for value in (sig.signature_no, sig.document_sha256, sig.audit_hash):
        assert value in page and value in _squeeze(shown)


async def test_nobody_else_gets_a_signers_receipt(app: App) -> None:
    alice, bob, sig, _ = await _signed(app)
    await bob.tap(f"pl:r:{sig.signature_no}")  # a token bob was never shown
    assert bob.last[0].document is None
    assert "您没有执行此操作的权限" in bob.text
    async with app.unit_of_work() as svc:
        bob_actor = Actor.of(await svc.people.get(Actor.cli(), "A002"))
        with pytest.raises(NotAllowed):
            await svc.pledges.receipt(bob_actor, sig.signature_no)


async def test_without_a_cjk_font_the_chat_sends_the_html_receipt(app: App, no_font: None) -> None:
    alice, _, sig, text = await _signed(app)
    await alice.press("签署回执（PDF）")
    doc = _document(alice)
    assert doc.filename == f"receipt-{sig.signature_no}.html"
    assert "暂时无法生成 PDF" in alice.text
    assert _pre_text(doc.content.decode("utf-8")) == text.body


def test_cli_writes_the_pdf_and_names_the_font_package_when_there_is_none(
    cli_db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    cjk_font: None,
) -> None:
    from tests.test_pledge_reports import _sign_directly, signed_text  # noqa: PLC0415

    assert main(["pledge", "publish", KEY, "--audience", "all", "--due", "2099-12-15T12:00"]) == 0
    number = asyncio.run(_sign_directly(cli_db, "A001"))
    capsys.readouterr()
    out = tmp_path / "回执.pdf"
    assert main(["pledge", "receipt", number, "--out", str(out)]) == 0
    assert f"签署回执 {number}（PDF）已写入" in capsys.readouterr().out
    shown, attachments = _read(out.read_bytes())
    body, sha = signed_text(cli_db)
    assert number in shown and sha in _squeeze(shown)
    assert next(iter(attachments.values()))[0] == body.encode("utf-8")

    receipt_pdf.system_font.cache_clear()
    monkeypatch.setattr(receipt_pdf, "find_font", lambda: None)
    try:
        missing = tmp_path / "无字体.pdf"
        assert main(["pledge", "receipt", number, "--out", str(missing)]) == 1
        err = capsys.readouterr().err
        assert "fonts-wqy-microhei" in err and "fonts-noto-cjk" in err and "HTML" in err
        assert not missing.exists()
        html = tmp_path / "receipt.html"  # the HTML receipt needs no font
        assert main(["pledge", "receipt", number, "--out", str(html)]) == 0
        assert _pre_text(html.read_text(encoding="utf-8")) == body
    finally:
        receipt_pdf.system_font.cache_clear()


def test_fonts_are_found_at_debian_paths_or_through_fontconfig(tmp_path: Path) -> None:
    font = tmp_path / "wqy-microhei.ttc"
    font.write_bytes(b"")
    found = receipt_pdf.find_font(((str(tmp_path / "absent.ttc"), 0, 0), (str(font), 0, 1)))
    assert found == receipt_pdf.FontFile(font, 0, 1)
    assert receipt_pdf.find_font((), fontconfig=False) is None
    by_fontconfig = receipt_pdf.find_font(())
    assert by_fontconfig is not None and by_fontconfig.path.is_file()  # CI: wqy via fc-list
