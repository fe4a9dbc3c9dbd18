"""Names and typed text kept invisible characters: a roster name `王\\u200b五\\u202e` was
accepted, the person had to type the zero-width character to sign, and the right-to-left
override flipped the rest of the line; 3,000 trailing spaces after the signing name were
stored on SQLite and gave a generic error on PostgreSQL; an ANSI escape in a hotline
question was printed raw by `muster hotline queue`. One helper (`bot.text.visible`) drops
zero-width, bidi and control characters from names (roster import and everything that
normalizes input), from everything the chat, the console and the terminal show; the typed
signing name is cleaned and capped before it is stored."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.actor import Actor
from bot.app import App
from bot.cli import main
from bot.clock import SystemClock
from bot.config import Settings
from bot.core import Button
from bot.i18n import Catalog
from bot.services.pledges import MAX_TYPED_NAME
from bot.text import plain, visible
from storage.db import make_engine
from storage.models import Person, Signature
from tests.factories import make_force
from tests.helpers import SHANGHAI
from tests.test_pledges import _publish, _setup, _sign

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "content" / "sample" / "roster.csv"
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2069\ufeff"


def test_the_helper_drops_every_invisible_and_control_character() -> None:
    assert visible("王" + INVISIBLE + "五\x1b[31m红\x1b[0m\x00\x07\r") == "王五[31m红[0m"
    assert visible("第一行\n\t第二行") == "第一行\n\t第二行"  # line breaks and tabs stay


def test_chat_text_never_carries_them() -> None:
    t = Catalog(ROOT / "locales").translator("zh_CN", SHANGHAI)
    text = t("error-too-long", limit="1\u202e2")
    assert "\u202e" not in text and "12" in plain(text)
    assert Button("王\u200b五\u202e · 巡逻辅警", "x").label == "王五 · 巡逻辅警"


def test_roster_import_strips_them_from_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8").splitlines()))
    i = next(i for i, r in enumerate(rows) if r[3] == "陈志强")
    rows[i][3] = "陈\u200b志强\u202e"
    path = tmp_path / "roster.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MUSTER_DATABASE_URL", url)
    monkeypatch.delenv("MUSTER_DEFAULT_LOCALE", raising=False)
    assert main(["db", "upgrade"]) == 0
    assert main(["roster", "import", str(path)]) == 0

    async def names() -> list[str]:
        engine = make_engine(url)
        try:
            app = App(Settings(database_url=url, _env_file=None), engine, SystemClock())  # type: ignore[call-arg]
            async with app.sessionmaker() as s:
                return list((await s.execute(select(Person.name))).scalars())
        finally:
            await engine.dispose()

    found = asyncio.run(names())
    assert "陈志强" in found and all(visible(n) == n for n in found)


async def test_a_name_signs_without_typing_invisible_characters(app: App) -> None:
    users = await _setup(app)
    async with app.sessionmaker() as s:  # a name stored before names were cleaned
        await s.execute(
            update(Person).where(Person.employee_no == "A001").values(name="张\u200b三\u202e")
        )
        await s.commit()
    await _publish(app)
    await _sign(users["A001"], "张三")
    assert "签署成功" in users["A001"].text and "签署人：张三" in users["A001"].text
    async with app.sessionmaker() as s:
        assert (await s.execute(select(Signature.typed_name))).scalar_one() == "张三"


async def test_the_typed_signing_name_is_cleaned_and_capped(app: App) -> None:
    users = await _setup(app)
    await _publish(app)
    alice, bob = users["A001"], users["A002"]
    await _sign(alice, "张三" + " " * 3000)  # trailing spaces: kept without them
    async with app.sessionmaker() as s:
        assert (await s.execute(select(Signature.typed_name))).scalar_one() == "张三"
    await _sign(bob, "李" + "四" * MAX_TYPED_NAME)  # longer than any roster name
    assert f"姓名太长了（超过 {MAX_TYPED_NAME} 字）" in bob.text
    await bob.send("李四")  # the same step: he may type it again
    async with app.sessionmaker() as s:
        names = sorted((await s.execute(select(Signature.typed_name))).scalars())
    assert names == ["张三", "李四"]


async def _ask(url: str) -> None:
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    app = App(settings, make_engine(url), SystemClock())
    try:
        async with app.unit_of_work() as svc:
            force = await make_force(svc.session, app.clock)
            await svc.hotline.ask(
                Actor.of(force["A001"]),
                "\x1b[2J\x1b[31m加班\u202e补休\x1b[0m怎么算\x07",
                anonymous=False,
            )
    finally:
        await app.close()


def test_cli_tables_never_print_control_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MUSTER_DATABASE_URL", url)
    monkeypatch.delenv("MUSTER_DEFAULT_LOCALE", raising=False)
    assert main(["db", "upgrade"]) == 0
    asyncio.run(_ask(url))
    capsys.readouterr()
    for argv in (["hotline", "queue"], ["hotline", "show", "H000001"]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "加班" in out and "补休" in out
        assert visible(out) == out, repr(out)
