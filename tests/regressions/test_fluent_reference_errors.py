"""An unreadable register deadline ("下周") showed "整改期限「value」无法识别" and logged
FluentReferenceError('Unknown external: value'): the handler did not pass the typed text.
Every message of every locale is now formatted with the variables it declares (and those
of the messages and terms it references) and must format without an error; the typed
deadline is shown back to the person."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fluent.runtime import FluentBundle, FluentResource
from fluent.syntax import FluentParser, Visitor
from fluent.syntax import ast as fl

from bot.app import App
from bot.i18n import LOCALES
from tests.test_checkins import open_w49, setup_force

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"


def _entries(locale: str) -> dict[str, fl.Message | fl.Term]:
    found: dict[str, fl.Message | fl.Term] = {}
    for path in sorted((LOCALES_DIR / locale).glob("*.ftl")):
        body = FluentParser(with_spans=False).parse(path.read_text(encoding="utf-8")).body
        for entry in body:
            if isinstance(entry, fl.Message | fl.Term):
                found[("-" if isinstance(entry, fl.Term) else "") + entry.id.name] = entry
    return found


def _declared(key: str, entries: dict[str, fl.Message | fl.Term]) -> set[str]:
    """The variables a message uses, also through the messages it references (a term
    gets its own arguments, so its variables are not the caller's)."""
    names: set[str] = set()
    seen: set[str] = set()

    class Walk(Visitor):
        def visit_VariableReference(self, node: fl.VariableReference) -> None:  # noqa: N802
            names.add(node.id.name)

        def visit_MessageReference(self, node: fl.MessageReference) -> None:  # noqa: N802
            if node.id.name not in seen and node.id.name in entries:
                seen.add(node.id.name)
                self.visit(entries[node.id.name])

    Walk().visit(entries[key])
    return names


# a value of each kind a message may take: text, a number, a date
SAMPLES: tuple[object, ...] = ("示例", 3, dt.date(2026, 12, 1))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_formats_with_its_declared_variables(locale: str) -> None:
    bundle = FluentBundle([locale.replace("_", "-")], use_isolating=False)
    for path in sorted((LOCALES_DIR / locale).glob("*.ftl")):
        bundle.add_resource(FluentResource(path.read_text(encoding="utf-8")))
    entries = _entries(locale)
    problems = []
    for key, entry in sorted(entries.items()):
        if isinstance(entry, fl.Term) or entry.value is None:
            continue
        message = bundle.get_message(key)
        for sample in SAMPLES:
            args = dict.fromkeys(_declared(key, entries), sample)
            _, errors = bundle.format_pattern(message.value, args)
            problems.extend(f"{key} ({sample!r}): {e!r}" for e in errors)
            for name, attribute in message.attributes.items():
                _, errors = bundle.format_pattern(attribute, args)
                problems.extend(f"{key}.{name} ({sample!r}): {e!r}" for e in errors)
    assert problems == []


async def test_an_unreadable_register_deadline_is_shown_back(app: App) -> None:
    users = await setup_force(app)
    await open_w49(app)
    li = users["L001"]
    await li.send("/register")
    await li.press("登记新风险")
    await li.press("执勤安全")
    await li.send("夜间巡逻照明不足")
    await li.send("配发头灯")
    await li.send("王民警")
    await li.send("下周")
    assert "整改期限「下周」无法识别" in li.text
    assert "value" not in li.text


@pytest.mark.parametrize("locale", LOCALES)
def test_no_message_hits_fluent_placeable_limit_with_the_longest_text(locale: str) -> None:
    """Every message, given the longest text a person may send (4,000 characters that
    escaping makes five times longer) in each variable, keeps that text whole."""
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    from bot.conversation import MAX_TEXT  # noqa: PLC0415
    from bot.i18n import Catalog  # noqa: PLC0415

    longest = ("<&>" * MAX_TEXT)[:MAX_TEXT]
    t = Catalog(LOCALES_DIR).translator(locale, ZoneInfo("Asia/Shanghai"))
    entries = _entries(locale)
    broken = []
    for key, entry in sorted(entries.items()):
        if isinstance(entry, fl.Term) or entry.value is None:
            continue
        names = _declared(key, entries)
        if not names:
            continue
        shown = t(key, **dict.fromkeys(names, longest))
        if "{???}" in shown or "&lt;&amp;&gt;" * (MAX_TEXT // 3) not in shown:
            broken.append(key)
    assert broken == []
