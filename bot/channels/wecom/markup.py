"""The bot's Telegram-HTML subset -> what WeCom shows: text messages and template cards.

WeCom text keeps `<a href>` links and nothing else, so other tags are dropped and
entities unescaped. A text message holds at most 2,048 bytes: longer texts are split at
paragraph boundaries (then lines, then hard cuts). A `button_interaction` card holds at
most 6 buttons of a few characters each: longer labels are shortened on the button and
written out in full in the card's body; more than 6 buttons are paged (5 and a "⋯ 1/2"
button that shows the next 5 in the same card).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from bot.core import Button
from bot.text import nbytes as nbytes  # WeCom counts UTF-8 bytes; re-exported
from bot.text import split_plain

TEXT_LIMIT = 2048  # bytes of a text message's content
CARD_TEXT_LIMIT = 2048  # bytes of a card body: as a text message (WeCom only "suggests" less)
BUTTONS_PER_CARD = 6
LABEL_LIMIT = 10  # characters WeCom shows on a button ("建议不超过10个字")
KEY_LIMIT = 1024  # bytes of a button's key
_LINK_TAG = re.compile(r"<(?=\s*/?\s*a\b)", re.IGNORECASE)


class _ToWecom(HTMLParser):
    def __init__(self, *, links: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.links = links
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and self.links:
            href = dict(attrs).get("href") or ""
            self.out.append(f'<a href="{html.escape(href, quote=True)}">')
        elif tag == "br":
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            self.out.append("</a>")

    def handle_data(self, data: str) -> None:
        # Text the bot escaped (a name, a question someone typed) must not become a link:
        # WeCom would render a literal "<a href>" in it. A full-width "＜" reads the same.
        self.out.append(_LINK_TAG.sub("＜", data) if self.links else data)


def to_text(markup: str) -> str:
    """Telegram HTML -> WeCom text: links kept, other tags dropped, entities unescaped."""
    return _convert(markup, links=True)


def plain(markup: str) -> str:
    """No tags at all: card fields show no links (the link text stays)."""
    return _convert(markup, links=False)


def _convert(markup: str, *, links: bool) -> str:
    parser = _ToWecom(links=links)
    parser.feed(markup)
    parser.close()
    return "".join(parser.out)


def split_bytes(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Parts of at most `limit` UTF-8 bytes, cut at paragraphs, then lines, then chars."""
    return split_plain(text, limit, measure=nbytes)


def shorten(label: str, limit: int = LABEL_LIMIT) -> str:
    """A button label WeCom can show: at most `limit` characters, "…" when cut."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


NOOP = "wecom:ok"  # the "✓" button of an outcome: the channel greys it, no conversation turn
MORE_PREFIX = "wecom:more:"  # a "more" button's key: the channel pages the card itself
MORE_LABEL = "⋯ {page}/{pages}"


def card_page(buttons: list[Button], page: int) -> list[Button]:
    """The buttons card page `page` (0-based) shows: all of them when they fit in 6, else
    5 and a "more" button that turns to the next page (after the last: the first)."""
    if len(buttons) <= BUTTONS_PER_CARD:
        return buttons
    per = BUTTONS_PER_CARD - 1
    pages = -(-len(buttons) // per)
    page %= pages
    more = Button(
        MORE_LABEL.format(page=page + 1, pages=pages), f"{MORE_PREFIX}{(page + 1) % pages}"
    )
    return [*buttons[page * per : (page + 1) * per], more]


def flat(rows: list[list[Button]]) -> list[Button]:
    return [b for row in rows for b in row]


def card_body(text: str, buttons: list[Button]) -> str:
    """The card's body: the text, plus the full label of every shortened button."""
    long = [b.label for b in buttons if shorten(b.label) != b.label]
    if long:
        listed = "\n".join(f"{shorten(label)} = {label}" for label in long)
        text = f"{text}\n\n{listed}" if text else listed
    return text
