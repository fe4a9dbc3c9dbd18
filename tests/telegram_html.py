"""A checker for Telegram's HTML subset (Bot API "HTML style"), for tests.

Telegram rejects a message whose HTML it cannot parse ("can't parse entities"); the
emulator and the in-process tests do not, so tests ask this checker instead. Allowed:
b, strong, i, em, u, ins, s, strike, del, a href, code, pre, tg-spoiler, blockquote,
span class="tg-spoiler"; tags balanced and properly nested; every `<`, `>` and `&` that is
not part of a tag is an entity (`&lt;` `&gt;` `&amp;` `&quot;` or numeric).
"""

from __future__ import annotations

import re

PLAIN_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "pre"}
ALLOWED = PLAIN_TAGS | {"a", "code", "blockquote", "span"}
TEXT_LIMIT = 4096  # characters after the entities are parsed

_TAG = re.compile(
    r"""<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z-]+(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'))?)*)\s*>"""
)
_ATTR = re.compile(r"""([A-Za-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'))?""")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#[xX][0-9a-fA-F]+);")
_SPECIAL = re.compile(r"[<>&]")
_TWICE = re.compile(r"&amp;(?:lt|gt|amp|quot|#[0-9]+);")


def _attr_problem(name: str, attrs: dict[str, str | None]) -> str | None:
    if name == "a":
        return None if set(attrs) == {"href"} and attrs["href"] else "<a> needs exactly href"
    if name == "span":
        ok = attrs == {"class": "tg-spoiler"}
        return None if ok else '<span> needs class="tg-spoiler"'
    if name == "code":
        language = (attrs.get("class") or "").startswith("language-")
        ok = not attrs or (set(attrs) == {"class"} and language)
        return None if ok else "<code> takes only class=language-*"
    if name == "blockquote":
        return None if set(attrs) <= {"expandable"} else "<blockquote> takes only expandable"
    return f"<{name}> takes no attributes" if attrs else None


def problems(text: str) -> list[str]:
    """What Telegram would refuse in `text` sent with parse_mode=HTML (empty: valid)."""
    found: list[str] = []
    stack: list[str] = []
    length = 0
    pos = 0
    while (m := _SPECIAL.search(text, pos)) is not None:
        length += m.start() - pos
        i = m.start()
        if text[i] == "&":
            entity = _ENTITY.match(text, i)
            if entity is None:
                found.append(f"bare '&' at {i}: {text[max(0, i - 20) : i + 20]!r}")
                pos = i + 1
            else:
                length += 1
                pos = entity.end()
            continue
        tag = _TAG.match(text, i) if text[i] == "<" else None
        if tag is None:
            found.append(f"bare {text[i]!r} at {i}: {text[max(0, i - 20) : i + 20]!r}")
            pos = i + 1
            continue
        closing, name, raw_attrs = tag.group(1) == "/", tag.group(2).lower(), tag.group(3)
        pos = tag.end()
        if name not in ALLOWED:
            found.append(f"tag <{name}> is not in Telegram's HTML at {i}")
            continue
        if closing:
            if raw_attrs.strip():
                found.append(f"closing tag </{name}> with attributes at {i}")
            if not stack or stack[-1] != name:
                found.append(f"</{name}> at {i} closes {stack[-1] if stack else 'nothing'}")
            else:
                stack.pop()
            continue
        attrs = {a.group(1).lower(): a.group(2) or a.group(3) for a in _ATTR.finditer(raw_attrs)}
        if (problem := _attr_problem(name, attrs)) is not None:
            found.append(f"{problem} at {i}")
        stack.append(name)
    length += len(text) - pos
    if stack:
        found.append(f"tags left open: {stack}")
    if length > TEXT_LIMIT:
        found.append(f"{length} characters, over Telegram's {TEXT_LIMIT}")
    return found


def escaped_twice(text: str) -> list[str]:
    """Entities escaped a second time (`&amp;lt;`): markup treated as text somewhere."""
    return [f"{m.group()} at {m.start()}" for m in _TWICE.finditer(text)]


def assert_valid(text: str, where: str = "message") -> None:
    """Fail with every problem of `text` and the text itself."""
    wrong = problems(text) + escaped_twice(text)
    assert not wrong, f"{where} is not valid Telegram HTML: {wrong}\n---\n{text}"
