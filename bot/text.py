"""Text helpers shared by handlers and adapters: markup, splitting, normalizing.

Chat text is Telegram HTML. A `Markup` value is HTML that is safe to send; any other `str`
is plain text and is escaped wherever it meets markup (the translator's arguments,
`html()`, `html_join()`). Handlers and services never escape by hand: they build text from
translations and these helpers, so user input cannot be forgotten unescaped.
"""

from __future__ import annotations

import html as _html
import re
import unicodedata
from collections.abc import Callable, Iterable

from markupsafe import Markup

TELEGRAM_LIMIT = 4096

__all__ = [
    "TELEGRAM_LIMIT",
    "Html",
    "Markup",
    "html",
    "html_join",
    "html_length",
    "link",
    "plain",
    "split_message",
    "visible",
]


class Html(Markup):
    """Markup for Telegram message text. Escapes `& < >` only, as Telegram's HTML needs in
    text (quotes stay quotes, so a message reads the same in the Bot API as on screen);
    `link()` escapes quotes for the one attribute Muster writes."""

    __slots__ = ()

    @classmethod
    def escape(cls, s: object) -> Html:
        if hasattr(s, "__html__"):
            return cls(s.__html__())
        return cls(_html.escape(visible(str(s)), quote=False))


def html(template: str, /, *args: object, **kwargs: object) -> Markup:
    """`template` is trusted markup; `{}` fields are filled with escaped `args`, except
    values that are already `Markup`: `html("<b>{}</b>", name)`."""
    return Html(template).format(*args, **kwargs)


def html_join(items: Iterable[str], sep: str = "\n") -> Markup:
    """Join markup and plain text (escaped) with `sep` (trusted markup)."""
    return Html(sep).join(items)


def html_length(text: str) -> int:
    """How long `text` is once in a message (escaped unless it is markup)."""
    return len(Html.escape(text))


def link(url: str, label: str) -> Markup:
    """`<a href="url">label</a>` with the URL escaped for an attribute (quotes too)."""
    return html('<a href="{}">{}</a>', Html(_html.escape(url, quote=True)), label)


_TAG = re.compile(r"<[^<>]*>")


def plain(text: str) -> str:
    """Markup as terminal or button text (tags dropped, entities decoded, line breaks
    kept); a plain `str` is already text and comes back unchanged."""
    if not isinstance(text, Markup):
        return text
    return _html.unescape(_TAG.sub("", str(text)))


# Characters that show nothing yet change what is shown: zero-width (space, joiners,
# word joiner, invisible operators, BOM) and bidi controls (marks, embeddings, overrides,
# isolates), which flip the rest of a line; and control characters (ANSI escapes, NUL, a
# carriage return), which a terminal obeys. Line feeds and tabs are kept.
_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u061c\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]"
)


def visible(value: str) -> str:
    """`value` without invisible and control characters (see _INVISIBLE): the one helper
    for names, typed text and anything displayed (chat, console, terminal tables)."""
    return _INVISIBLE.sub("", value)


def normalize_input(value: str) -> str:
    """Full-width to half-width (NFKC), invisible and control characters dropped, trim,
    collapse inner whitespace."""
    return " ".join(visible(unicodedata.normalize("NFKC", value)).split())


# --- splitting ---------------------------------------------------------------------------

# One unit that must never be cut: a tag, an entity, or one character (a bare "<" or "&"
# that begins neither is one character).
_ATOM = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|.", re.S)
_TAG_NAME = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)")


def _tag(atom: str) -> tuple[bool, str] | None:
    """(closing?, name) of a tag atom, None for anything else."""
    if len(atom) < 3 or atom[0] != "<":
        return None
    m = _TAG_NAME.match(atom)
    return (m.group(1) == "/", m.group(2).lower()) if m else None


def _after(stack: tuple[tuple[str, str], ...], atom: str) -> tuple[tuple[str, str], ...]:
    """The open tags (name, opening tag) after `atom`."""
    tag = _tag(atom)
    if tag is None:
        return stack
    closing, name = tag
    if not closing:
        return (*stack, (name, atom))
    for i in range(len(stack) - 1, -1, -1):
        if stack[i][0] == name:
            return stack[:i]
    return stack


def _closers(stack: tuple[tuple[str, str], ...]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split HTML into parts of at most `limit` characters, each valid on its own.

    Cuts go at a blank line if one fits, else at a line break, else anywhere between two
    characters, never inside a tag or an entity; the line break at a cut is dropped. Tags
    open at a cut are closed at the end of the part and opened again (same attributes) at
    the start of the next one. A part that would hold only white space is left out
    (Telegram refuses an empty message).
    """
    if len(text) <= limit:
        return [text]
    atoms = [m.group() for m in _ATOM.finditer(text)]
    parts: list[str] = []
    start = 0
    stack: tuple[tuple[str, str], ...] = ()
    while start < len(atoms):
        prefix = "".join(opening for _, opening in stack)
        size = len(prefix)
        cur = stack
        # best cut so far of each kind: (end atom, next start atom, stack at the end)
        cuts: dict[str, tuple[int, int, tuple[tuple[str, str], ...]]] = {}
        k = start
        while k < len(atoms):
            atom = atoms[k]
            if atom == "\n" and k > start:  # everything before it fits
                if k + 1 < len(atoms) and atoms[k + 1] == "\n":
                    cuts["para"] = (k, k + 2, cur)
                elif atoms[k - 1] != "\n":
                    cuts["line"] = (k, k + 1, cur)
            nxt = _after(cur, atom)
            if size + len(atom) + len(_closers(nxt)) > limit:
                break
            size += len(atom)
            cur = nxt
            k += 1
            cuts["any"] = (k, k, cur)
        if k >= len(atoms):  # the rest fits
            parts.append(prefix + "".join(atoms[start:]))
            break
        if "any" not in cuts:  # one atom longer than the limit (cannot happen below ~100)
            raise ValueError(f"cannot split: a tag or entity is longer than {limit}")
        end, nxt_start, end_stack = cuts.get("para") or cuts.get("line") or cuts["any"]
        parts.append(prefix + "".join(atoms[start:end]) + _closers(end_stack))
        start, stack = nxt_start, end_stack
    return [p for p in parts if plain(Markup(p)).strip()]


def split_plain(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Split plain text at paragraph boundaries, then lines, then hard cuts, each part of
    `measure` <= limit: characters by default (pledge pages; they are escaped later, so no
    markup rules apply here), UTF-8 bytes for WeCom (`measure=nbytes`)."""
    if measure(text) <= limit:
        return [text]
    return _pack(_pieces(text, limit, measure), "\n\n", limit, measure)


def nbytes(text: str) -> int:
    """The length WeCom counts: UTF-8 bytes."""
    return len(text.encode())


def _pieces(text: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    out: list[str] = []
    for para in text.split("\n\n"):
        if measure(para) <= limit:
            out.append(para)
            continue
        chunks = (c for line in para.split("\n") for c in _hard_cut(line, limit, measure))
        out.extend(_pack(chunks, "\n", limit, measure))
    return out


def _pack(pieces: Iterable[str], sep: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    """Consecutive pieces joined by `sep` as long as the joined text fits `limit`."""
    parts: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{sep}{piece}" if current else piece
        if measure(candidate) <= limit:
            current = candidate
        else:
            if current:
                parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts


def _hard_cut(line: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    """A line longer than `limit` in pieces that each fit (by characters: slices)."""
    if measure(line) <= limit:
        return [line]
    if measure is len:
        return [line[i : i + limit] for i in range(0, len(line), limit)]
    chunks: list[str] = []
    current = ""
    for ch in line:
        if current and measure(current + ch) > limit:
            chunks.append(current)
            current = ""
        current += ch
    chunks.append(current)
    return chunks
