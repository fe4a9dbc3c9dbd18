"""Every user-facing string exists in both languages, parses, and takes the same arguments."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fluent.syntax import FluentParser, Visitor
from fluent.syntax import ast as fl

from bot.i18n import LOCALES
from storage.models import Role

ROOT = Path(__file__).resolve().parents[1]
LOCALES_DIR = ROOT / "locales"
CODE_DIRS = ("bot", "handlers", "scheduled")
KEY_SHAPE = re.compile(r"[a-z][a-z0-9]*(?:-[a-zA-Z0-9_]+)+")

# Keys built at run time from an f-string, and every value the placeholder takes. The test
# checks each expansion; an f-string key not listed here must match at least one key.
DYNAMIC_KEYS: dict[str, tuple[str, ...]] = {
    "lang-name-{}": LOCALES,  # handlers/start.py: the language picker
    "console-role-{}": tuple(r.value for r in Role),  # bot/channels/console.py: the picker
}


def _parse(path: Path) -> fl.Resource:
    return FluentParser(with_spans=False).parse(path.read_text(encoding="utf-8"))


def _messages(locale: str) -> dict[str, tuple[Path, fl.Message | fl.Term]]:
    found: dict[str, tuple[Path, fl.Message | fl.Term]] = {}
    for path in sorted((LOCALES_DIR / locale).glob("*.ftl")):
        for entry in _parse(path).body:
            if isinstance(entry, fl.Message | fl.Term):
                key = ("-" if isinstance(entry, fl.Term) else "") + entry.id.name
                found.setdefault(key, (path, entry))
    return found


def _variables(entry: fl.Message | fl.Term) -> set[str]:
    names: set[str] = set()

    class Variables(Visitor):
        def visit_VariableReference(self, node: fl.VariableReference) -> None:  # noqa: N802
            names.add(node.id.name)

    Variables().visit(entry)
    return names


MESSAGES = {locale: _messages(locale) for locale in LOCALES}


@pytest.mark.parametrize("locale", LOCALES)
def test_fluent_files_parse_without_errors(locale: str) -> None:
    paths = sorted((LOCALES_DIR / locale).glob("*.ftl"))
    assert paths, f"no .ftl files in locales/{locale}"
    problems = [
        f"{path.relative_to(ROOT)}: {annotation.message}: {entry.content[:60]!r}"
        for path in paths
        for entry in _parse(path).body
        if isinstance(entry, fl.Junk)
        for annotation in entry.annotations
    ]
    assert problems == []


@pytest.mark.parametrize("locale", LOCALES)
def test_no_key_is_defined_twice(locale: str) -> None:
    seen: dict[str, Path] = {}
    twice: list[str] = []
    for path in sorted((LOCALES_DIR / locale).glob("*.ftl")):
        for entry in _parse(path).body:
            if isinstance(entry, fl.Message):
                if entry.id.name in seen:
                    twice.append(f"{entry.id.name} in {seen[entry.id.name].name} and {path.name}")
                seen[entry.id.name] = path
    assert twice == []


def test_every_locale_has_the_same_files() -> None:
    names = {locale: {p.name for p in (LOCALES_DIR / locale).glob("*.ftl")} for locale in LOCALES}
    first = LOCALES[0]
    for locale in LOCALES[1:]:
        assert names[locale] == names[first], f"{first} vs {locale}"


def test_every_key_exists_in_every_locale() -> None:
    everything = set().union(*(MESSAGES[locale].keys() for locale in LOCALES))
    missing = {
        locale: sorted(everything - MESSAGES[locale].keys())
        for locale in LOCALES
        if everything - MESSAGES[locale].keys()
    }
    assert missing == {}


def test_placeholders_agree_between_locales() -> None:
    first = LOCALES[0]
    differ = []
    for key, (_, entry) in MESSAGES[first].items():
        for locale in LOCALES[1:]:
            if key not in MESSAGES[locale]:
                continue  # reported by test_every_key_exists_in_every_locale
            mine, theirs = _variables(entry), _variables(MESSAGES[locale][key][1])
            if mine != theirs:
                differ.append(f"{key}: {first} {sorted(mine)} vs {locale} {sorted(theirs)}")
    assert differ == []


def _callee_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _literal_keys(node: ast.expr) -> Iterator[str]:
    """Key-shaped string constants of an argument, also inside `a or "key"` / `x if c else y`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if KEY_SHAPE.fullmatch(node.value):
            yield node.value
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _literal_keys(value)
    elif isinstance(node, ast.IfExp):
        yield from _literal_keys(node.body)
        yield from _literal_keys(node.orelse)


def _template(node: ast.JoinedStr) -> str:
    return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)


def _is_translation_call(call: ast.Call) -> bool:
    """`t("k")`, `ctx.t("k")`, `self.t("k")`, `translator(...)("k")`, `menu_entry("k", ...)`,
    `t.of("k", record)`."""
    name = _callee_name(call.func)
    if name in {"t", "menu_entry"}:
        return True
    if name == "of" and isinstance(call.func, ast.Attribute):
        return _callee_name(call.func.value) == "t"
    return isinstance(call.func, ast.Call) and _callee_name(call.func.func) == "translator"


def used_keys() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Literal keys and f-string key templates used in code, each with where they occur."""
    literal: dict[str, list[str]] = {}
    templates: dict[str, list[str]] = {}
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
                first: ast.expr | None = None
                if isinstance(node, ast.Call) and node.args and _is_translation_call(node):
                    first = node.args[0]
                elif (
                    isinstance(node, ast.Raise)
                    and isinstance(node.exc, ast.Call)
                    and node.exc.args
                ):
                    first = node.exc.args[0]  # raise SomeError("key", ...)
                elif isinstance(node, ast.ClassDef):
                    for stmt in node.body:  # DomainError subclasses: key = "..."
                        if isinstance(stmt, ast.Assign) and any(
                            isinstance(t, ast.Name) and t.id == "key" for t in stmt.targets
                        ):
                            for key in _literal_keys(stmt.value):
                                literal.setdefault(key, []).append(where)
                if first is None:
                    continue
                if isinstance(first, ast.JoinedStr):
                    template = _template(first)
                    if KEY_SHAPE.fullmatch(template.replace("{}", "x")):  # not a message
                        templates.setdefault(template, []).append(where)
                for key in _literal_keys(first):
                    literal.setdefault(key, []).append(where)
    return literal, templates


def test_scan_finds_keys_in_handlers() -> None:
    literal, templates = used_keys()
    assert "reg-ask-code" in literal  # ctx.t("...") in handlers/start.py
    assert "reg-already-bound" in literal  # class AlreadyBound: key = "..."
    assert "error-no-such-person" in literal  # raise NotFound("...", who=...)
    assert "menu-help" in literal  # flow.menu_entry("...", ...)
    assert "register-checkin-numbers" in literal  # t.of("...", record)
    assert "lang-name-{}" in templates


def test_every_key_used_in_code_exists_in_every_locale() -> None:
    literal, templates = used_keys()
    missing = []
    for key, where in sorted(literal.items()):
        missing.extend(
            f"{key} ({where[0]}) missing in {locale}"
            for locale in LOCALES
            if key not in MESSAGES[locale]
        )
    for template, where in sorted(templates.items()):
        if template in DYNAMIC_KEYS:
            for value in DYNAMIC_KEYS[template]:
                key = template.replace("{}", value)
                missing.extend(
                    f"{key} ({where[0]}) missing in {locale}"
                    for locale in LOCALES
                    if key not in MESSAGES[locale]
                )
            continue
        pattern = re.compile(".+".join(re.escape(p) for p in template.split("{}")))
        missing.extend(
            f"no key matches {template} ({where[0]}) in {locale}; list its values in DYNAMIC_KEYS"
            for locale in LOCALES
            if not any(pattern.fullmatch(key) for key in MESSAGES[locale])
        )
    assert missing == []
