"""Button tokens: one table (bot.actions.Btn) of every route, each with a handler, and
tokens that survive the trip through Telegram's 64-byte callback data."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bot.services  # noqa: F401 - registers the task kinds' open buttons
from bot.actions import MAX_BYTES, BadAction, Btn, decode, encode
from bot.notify import KINDS
from handlers import build_dispatcher

ROOT = Path(__file__).resolve().parents[1]
FEATURES = {route.value.split(":")[0] for route in Btn}


def test_every_button_route_is_in_the_table_and_every_entry_has_a_handler() -> None:
    registered = set(build_dispatcher().buttons) - {"*"}  # "*" answers stale buttons
    table = {route.value for route in Btn}
    assert registered - table == set(), "routes with a handler but no name in Btn"
    assert table - registered == set(), "names in Btn that no handler serves"


def test_the_table_has_no_aliases_and_names_say_what_they_do() -> None:
    assert len(Btn.__members__) == len(Btn)  # two names for one token would alias
    assert all(len(name.split("_")) >= 2 for name in Btn.__members__)  # FEATURE_ACTION


def test_menu_entries_and_task_open_buttons_lead_to_routes_in_the_table() -> None:
    dispatcher = build_dispatcher()
    assert dispatcher.menu
    for entry in dispatcher.menu:
        assert Btn(decode(entry.action).route) in dispatcher.buttons
    assert KINDS
    for kind, info in KINDS.items():
        assert Btn(info.open_route).value in dispatcher.buttons, kind


@pytest.mark.parametrize("route", list(Btn))
def test_round_trip(route: Btn) -> None:
    assert decode(route.token()).route == route
    assert decode(route) == decode(route.token())  # a bare member is its own token
    # the widest arguments any button carries: ids, a week key, attempt/question numbers
    args = ("2026-W49", 2**31, 99, 9_999)
    action = decode(route.token(*args))
    assert (action.route, action.args) == (route.value, tuple(str(a) for a in args))
    assert len(route.token(*args).encode()) <= MAX_BYTES


def test_bad_tokens_are_refused() -> None:
    with pytest.raises(BadAction):
        Btn.NOTICE_ACK.token("a:b")  # a separator inside an argument
    with pytest.raises(BadAction):
        Btn.NOTICE_ACK.token("x" * MAX_BYTES)
    for junk in ("", "nt", ":ack", "nt:", "x" * 65):
        with pytest.raises(BadAction):
            decode(junk)
    with pytest.raises(BadAction):
        decode(encode("nt", "ack")).int_arg()


def _token_literals(path: Path) -> list[str]:
    """String constants in `path` that look like a button token of a known feature."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            head, sep, _ = node.value.partition(":")
            if sep and head in FEATURES and " " not in node.value and id(node) not in docstrings:
                found.append(f"{path.name}:{node.lineno}: {node.value!r}")
    return found


def test_handlers_name_every_token_through_the_table() -> None:
    found = [
        hit for path in sorted((ROOT / "handlers").glob("*.py")) for hit in _token_literals(path)
    ]
    assert found == []
