"""HTML safe by construction: the translator escapes every argument, fragments are built
from markup, `split_message` never breaks a tag or an entity, and what users typed reaches
Telegram escaped exactly once (the checker in tests/telegram_html.py says what is valid)."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fluent.syntax import FluentParser, ast, visitor
from sqlalchemy import select

from bot.actor import Actor
from bot.app import App
from bot.cli import main
from bot.clock import FrozenClock
from bot.config import Settings
from bot.core import Button, Reply
from bot.errors import DomainError
from bot.i18n import LOCALES, Catalog
from bot.services.hotline import ShownAsker
from bot.services.notices import Composed
from bot.text import Html, html, html_join, html_length, link, plain, split_message
from storage.db import make_engine
from storage.models import Campaign, Outbox, Person, Unit
from storage.outbox import Outgoing, row_for
from tests.chat import ChatUser
from tests.factories import bind_account, make_force
from tests.helpers import local, tick
from tests.telegram_html import escaped_twice, problems

ROOT = Path(__file__).resolve().parents[1]
NASTY = '<b>A&B</b> "q" &lt;'  # markup, an ampersand, quotes and an entity-looking text
SHOWN = '&lt;b&gt;A&amp;B&lt;/b&gt; "q" &amp;lt;'  # NASTY escaped once
UTC = ZoneInfo("UTC")


def catalog() -> Catalog:
    return Catalog(ROOT / "locales")


# --- the checker itself --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<b>粗体</b> <i>斜</i> &lt;&gt;&amp;&quot;&#39;&#x4e2d;",
        '<a href="https://t.me/x?start=AB">链接</a> <code>x</code> <pre>y</pre>',
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler><blockquote>q</blockquote>',
        "<b><i>nested</i></b>",
    ],
)
def test_the_checker_accepts_telegram_html(text: str) -> None:
    assert problems(text) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a < b", "bare '<'"),
        ("a > b", "bare '>'"),
        ("Q&A", "bare '&'"),
        ("&nbsp;", "bare '&'"),
        ("<b>open", "left open"),
        ("<b><i>x</b></i>", "closes i"),
        ("<div>x</div>", "not in Telegram's HTML"),
        ("<br>", "not in Telegram's HTML"),
        ('<span class="x">s</span>', "tg-spoiler"),
        ("<a>no href</a>", "href"),
        ('<b class="x">x</b>', "no attributes"),
        ("x" * 4097, "over Telegram's 4096"),
    ],
)
def test_the_checker_refuses_what_telegram_refuses(text: str, problem: str) -> None:
    assert any(problem in p for p in problems(text)), problems(text)


def test_the_checker_sees_double_escaping() -> None:
    assert escaped_twice("&amp;lt;b&amp;gt;") and not escaped_twice("&amp; &lt;")


# --- the translator ------------------------------------------------------------------------


class _Variables(visitor.Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_VariableReference(self, node: ast.VariableReference) -> None:  # noqa: N802
        self.names.add(node.id.name)


def _messages(locale: str) -> dict[str, set[str]]:
    """Every message of a locale with the variables it uses."""
    out: dict[str, set[str]] = {}
    for path in sorted((ROOT / "locales" / locale).glob("*.ftl")):
        resource = FluentParser().parse(path.read_text(encoding="utf-8"))
        for entry in resource.body:
            if isinstance(entry, ast.Message) and entry.value is not None:
                found = _Variables()
                found.visit(entry.value)
                out[entry.id.name] = found.names
    return out


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_with_markup_in_every_argument_is_valid_html(locale: str) -> None:
    t = catalog().translator(locale, UTC)
    messages = _messages(locale)
    assert len(messages) > 300
    for key, names in messages.items():
        text = t(key, **dict.fromkeys(names, NASTY))
        assert isinstance(text, Html), key
        assert problems(text) == [], (key, text)
        assert "<b>A&B" not in text, key  # never the raw argument


@pytest.mark.parametrize("locale", LOCALES)
def test_the_text_translator_prints_arguments_as_typed(locale: str) -> None:
    t = catalog().text_translator(locale, UTC)
    messages = _messages(locale)
    shown = [t(key, **dict.fromkeys(names, NASTY)) for key, names in messages.items() if names]
    assert all(not isinstance(s, Html) for s in shown)
    assert any(NASTY in s for s in shown) and not any(SHOWN in s for s in shown)


def test_arguments_are_escaped_once_and_markup_passes_through() -> None:
    t = catalog().translator("en", UTC)
    assert SHOWN in t("menu-title", name=NASTY)
    bold = html("<b>{}</b>", NASTY)
    assert t("menu-title", name=bold).count(f"<b>{SHOWN}</b>") == 1
    assert "&amp;amp;" not in t("menu-title", name=t("menu-title", name="&"))


def test_a_record_s_fields_are_a_message_s_arguments_escaped_like_any() -> None:
    t = catalog().translator("zh_CN", UTC)
    shown = ShownAsker("H000007", NASTY, "J123", "城关派出所", None, "核实")
    text = t.of("hotline-asker-shown", shown, post="-")  # `post` given in place of the field
    assert text == t(
        "hotline-asker-shown",
        number="H000007",
        name=NASTY,
        employee_no="J123",
        unit="城关派出所",
        post="-",
        reason="核实",
    )
    assert SHOWN in text and "岗位：-" in text and problems(text) == []


def test_a_domain_error_shows_what_was_typed_escaped_once() -> None:
    t = catalog().translator("zh_CN", UTC)
    rendered = DomainError("error-too-long", limit=NASTY).render(t)
    assert SHOWN in rendered and problems(rendered) == []


def test_fragments() -> None:
    assert html("<b>{}</b>: {n}", "<x>", n="&") == "<b>&lt;x&gt;</b>: &amp;"
    assert html_join(["a<", html("<i>{}</i>", "b")], ", ") == "a&lt;, <i>b</i>"
    assert Html("<b>x</b>") + "<" == "<b>x</b>&lt;"
    assert "<" + Html("<b>x</b>") == "&lt;<b>x</b>"
    assert link('https://x.org/?q="1"&r=2', "<l>") == (
        '<a href="https://x.org/?q=&quot;1&quot;&amp;r=2">&lt;l&gt;</a>'
    )
    assert html_length("a<&") == len("a&lt;&amp;") and html_length(Html("<b>")) == 3
    assert plain(html("<b>{}</b>", NASTY)) == NASTY
    assert plain(NASTY) == NASTY  # a str is text already


def test_button_labels_and_toasts_are_text() -> None:
    t = catalog().translator("zh_CN", UTC)
    label = t("btn-reminded", name=NASTY)
    assert NASTY in Button(label, "esc:rip:1").label
    assert Button(NASTY, "x:y").label == NASTY  # plain text stays as it is
    assert Reply(Html("<b>x</b>"), toast=html("<b>{}</b>", "&")).toast == "&"


def test_outbox_button_labels_are_stored_as_text() -> None:
    t = catalog().translator("zh_CN", UTC)
    row = row_for(
        Outgoing(
            kind="k",
            ref=None,
            text=t("menu-title", name=NASTY),
            buttons=[[{"label": t("btn-excuse", name=NASTY), "action": "esc:exc:1"}]],
            not_before=None,
            now=None,
        ),
        person_id=1,
        account=None,
        dedupe_key="d",
    )
    [[button]] = row["buttons"]
    assert NASTY in button["label"] and SHOWN not in button["label"]


# --- split_message -------------------------------------------------------------------------


def _assert_parts(text: str, parts: list[str], limit: int) -> None:
    for part in parts:
        assert len(part) <= limit, part
        assert problems(part) == [], (part, problems(part))
    # nothing but white space at the cuts is lost (Telegram trims each message anyway)
    assert _visible("".join(plain(Html(p)) for p in parts)) == _visible(plain(Html(text)))


def _visible(text: str) -> str:
    return "".join(text.split())


def test_short_text_is_one_part() -> None:
    assert split_message("<b>x</b>", 10) == ["<b>x</b>"]


def test_a_cut_never_splits_an_entity() -> None:
    text = "&lt;" * 2000  # 8,000 characters of one escaped symbol
    parts = split_message(text)
    assert all(p.count("&") == p.count("&lt;") for p in parts)
    _assert_parts(text, parts, 4096)


def test_a_cut_at_4096_inside_an_entity_moves_before_it() -> None:
    text = "a" * 4094 + "&amp;" + "b" * 10
    parts = split_message(text)
    assert parts == ["a" * 4094, "&amp;" + "b" * 10]


def test_tags_open_at_a_cut_are_closed_and_opened_again() -> None:
    text = '<b>bold <a href="https://x.org">' + "链" * 5000 + "</a> end</b> after"
    parts = split_message(text)
    assert len(parts) == 2
    assert parts[0].endswith("</a></b>") and parts[1].startswith('<b><a href="https://x.org">')
    _assert_parts(text, parts, 4096)


def test_cuts_prefer_blank_lines_then_line_breaks() -> None:
    para = "x" * 3000
    assert split_message(f"{para}\n\n{para}") == [para, para]
    text = f"<b>{'y' * 3000}\n{'z' * 3000}</b>"
    assert split_message(text) == [f"<b>{'y' * 3000}</b>", f"<b>{'z' * 3000}</b>"]


def test_no_tag_is_cut() -> None:
    text = ("x" * 10 + '<a href="https://example.org/a/long/path">l</a>') * 400
    for limit in (60, 100, 4096):
        _assert_parts(text, split_message(text, limit), limit)


def test_random_markup_splits_into_valid_parts() -> None:
    rng = random.Random(12)  # fixed seed: the same texts every run
    atoms = ["x", "中", " ", "\n", "\n\n", "&lt;", "&amp;", "&#34;", "<b>", "<i>", "<code>"]
    for _ in range(200):
        out, stack = [], []
        for _ in range(rng.randint(1, 400)):
            atom = rng.choice([*atoms, "close"])
            if atom == "close" or (atom.startswith("<") and len(stack) > 3):
                if stack:
                    out.append(f"</{stack.pop()}>")
                continue
            if atom.startswith("<"):
                stack.append(atom[1:-1])
            out.append(atom)
        out.extend(f"</{name}>" for name in reversed(stack))
        text = "".join(out)
        assert problems(text) == []
        limit = rng.choice([64, 100, 200])
        _assert_parts(text, split_message(text, limit), limit)


# --- what users typed, through the main renderers -----------------------------------------


async def _nasty_force(app: App) -> dict[str, ChatUser]:
    """The sample force with markup in every name and unit; everyone with a chat."""
    async with app.unit_of_work() as svc:
        force = await make_force(svc.session, app.clock)
        for unit in (await svc.session.execute(select(Unit))).scalars():
            unit.name = f"{unit.name}{NASTY}"
        for emp, person in force.people.items():
            person.name = f"{person.name}{NASTY}"
            await bind_account(svc.session, app.clock, person, user_id=emp)
    return {emp: ChatUser(app.conversation(), emp) for emp in force.people}


def _valid_once(text: str, where: str) -> None:
    """Valid Telegram HTML, NASTY escaped at most once (twice would show `&amp;amp;`)."""
    assert problems(text) == [], (where, problems(text), text)
    assert "&amp;amp;" not in text, (where, text)


def _check(user: ChatUser) -> None:
    for reply in user.last:
        _valid_once(reply.text, f"reply to {user.account.external_user_id}")
        for row in reply.buttons:
            for button in row:
                assert SHOWN not in button.label, button.label


async def test_markup_in_names_and_texts_is_shown_escaped_everywhere(
    app: App, clock: FrozenClock
) -> None:
    users = await _nasty_force(app)
    due = local(2026, 12, 15, 12, 0)
    async with app.unit_of_work() as svc:
        await svc.pledges.publish(Actor.cli(), "confidentiality", due_at=due)
        for campaign in (await svc.session.execute(select(Campaign))).scalars():
            campaign.titles = dict.fromkeys(LOCALES, f"保密承诺{NASTY}")  # as if typed
        await svc.notices.send(
            Actor.cli(), Composed(audience="all", text=f"停电通知 {NASTY}\n正文 a<b & c>d {NASTY}")
        )
    for emp, user in users.items():
        for command in ("/start", "/menu", "/help", "/tasks"):
            await user.send(command)
            _check(user)
        await user.send("/menu")
        assert SHOWN in user.text, emp  # the menu greets the person by name
    office = users["O001"]
    await office.send("/menu")
    for label in ("通知", "承诺"):
        if any(label in x for x in office.labels()):
            await office.press(label)
            _check(office)
    # a question to the hotline with markup in it
    alice = users["A001"]
    await alice.send(f"请问加班 {NASTY} 怎么算？")
    _check(alice)
    # reminders and escalation digests: names and units of everyone
    for hours in (-24, 0, 24, 72):
        clock.set(due + timedelta(hours=hours))
        await tick(app)
    async with app.sessionmaker() as s:
        rows = list((await s.execute(select(Outbox))).scalars())
        names = {p.name for p in (await s.execute(select(Person))).scalars()}
    kinds = {r.kind for r in rows}
    assert {"digest.L1", "digest.L2", "digest.L3"} <= kinds, kinds
    for row in rows:
        _valid_once(row.text, f"outbox {row.kind}")
        for line in row.buttons:
            for button in line:
                assert SHOWN not in button["label"], button["label"]
    digests = [r for r in rows if r.kind.startswith("digest.")]
    assert all(r.text.count(SHOWN) >= 2 for r in digests)  # a name and a title at least
    labels = [b["label"] for r in digests for line in r.buttons for b in line]
    assert labels and all(any(n in label for n in names) for label in labels)


# --- the command line prints text, not HTML ----------------------------------------------


def test_the_cli_prints_names_and_titles_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("MUSTER_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.delenv("MUSTER_DEFAULT_LOCALE", raising=False)
    assert main(["db", "upgrade"]) == 0

    async def build() -> None:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{db}", _env_file=None)  # type: ignore[call-arg]
        app = App(settings, make_engine(settings.database_url), FrozenClock(local(2026, 12, 1)))
        await _nasty_force(app)
        await app.close()

    asyncio.run(build())
    text = tmp_path / "notice.txt"
    text.write_text(f"值班通知 {NASTY}\n今晚 a<b & c>d 集合。", encoding="utf-8")
    capsys.readouterr()
    assert main(["notice", "send", "--audience", "all", "--text-file", str(text)]) == 0
    assert main(["notice", "list"]) == 0
    assert main(["notice", "stats", "1"]) == 0
    assert (
        main(["notice", "send", "--audience", "all", "--text-file", str(text), "--dry-run"]) == 0
    )
    out = capsys.readouterr().out
    assert NASTY in out and "a<b & c>d" in out  # the title, the units, the preview
    assert SHOWN not in out and "&amp;" not in out and "&gt;" not in out
    assert main(["notice", "send", "--audience", f"post:{NASTY}", "--text-file", str(text)]) == 1
    err = capsys.readouterr().err
    assert NASTY in err and "&amp;" not in err  # a refusal quotes what was typed, as typed
