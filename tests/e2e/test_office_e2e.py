"""The office's exports sent as files into the chat, end to end over every channel adapter:
Telegram's sendDocument (both libraries) and WeCom's file message (media/upload); the
signer's PDF receipt the same way."""

from __future__ import annotations

import asyncio
import io
import time
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from bot.actor import Actor
from storage.models import Signature
from tests.e2e.client import BotMessage
from tests.e2e.conftest import RunningBot

pytestmark = pytest.mark.e2e

TIMEOUT = 10.0


async def _until_labelled(user: Any, message_id: int, label: str) -> BotMessage:
    """The message once it was edited to show a button labelled `label`."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        message = await user.message(message_id)
        if any(label in shown for shown in message.labels):
            return message
        if time.monotonic() > deadline:
            raise AssertionError(f"message {message_id} never showed {label!r}: {message}")
        await asyncio.sleep(0.05)  # polling the peer, as the client's reads do


async def _file(user: Any, name: str) -> bytes:
    """The next file the bot sends (over WeCom its caption comes as a text before it)."""
    got: list[BotMessage] = []
    while not any(m.document for m in got):
        got += await user.read(1, timeout=TIMEOUT)
    [document] = [m.document for m in got if m.document]
    assert document["file_name"] == name
    content: bytes = document["content"]
    return content


async def _registered_and_published(
    bot: RunningBot, name: str, employee_no: str, key: str = "confidentiality"
) -> Any:
    """A person registered in the chat, then a sample pledge published to everyone."""
    user = bot.user(name)
    await user.send(f"/start {await bot.issue_code(employee_no)}")
    await user.read(2)  # welcome, menu
    async with bot.app.unit_of_work() as svc:
        await svc.pledges.publish(Actor.cli(), key, audience="all")
    return user


async def test_the_office_gets_an_export_as_a_file(bot: RunningBot) -> None:
    office = await _registered_and_published(bot, "周政工", "O001")
    await office.send("/menu")
    menu = await office.read_one()
    await office.press("导出文件")
    choices = await _until_labelled(office, menu.message_id, "花名册（Excel）")
    assert "签署情况（Excel）" in " ".join(choices.labels)
    await office.press("《保密承诺书》签署情况")
    content = await _file(office, "pledge-confidentiality-v1.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("单位", "姓名", "工号")
    assert {r[2] for r in rows[1:]} == {"A001", "A002", "A003", "A004"}


@pytest.mark.telegram_only("a pledge page is longer than a WeCom card holds: text, then the card")
async def test_the_signer_gets_his_receipt_as_a_pdf(bot: RunningBot, cjk_font: None) -> None:
    # online-conduct: signed without a training first (confidentiality presupposes one)
    alice = await _registered_and_published(bot, "张三", "A001", "online-conduct")
    await alice.read_one(timeout=TIMEOUT)  # the task message
    await alice.press("阅读")
    page = await alice.read_one()
    while any("下一页" in label for label in page.labels):
        await alice.press("下一页")
        page = await alice.read_one()
    await alice.press("我已阅读并同意")
    await alice.read_one()
    await alice.send("张三")
    receipt = await alice.read_one()
    async with bot.app.sessionmaker() as session:
        number = (await session.execute(select(Signature.signature_no))).scalar_one()
    assert number in receipt.text
    await alice.press("签署回执（PDF）")
    content = await _file(alice, f"receipt-{number}.pdf")
    assert content.startswith(b"%PDF-")
