"""Text helpers shared by handlers and adapters: escaping, splitting, normalizing."""

from __future__ import annotations

import html
import unicodedata

TELEGRAM_LIMIT = 4096


def esc(value: object) -> str:
    """Escape user-supplied text for HTML parse mode."""
    return html.escape(str(value), quote=False)


def normalize_input(value: str) -> str:
    """Full-width to half-width (NFKC), trim, collapse inner whitespace."""
    return " ".join(unicodedata.normalize("NFKC", value).split())


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at paragraph boundaries, then lines, then hard cuts, each part <= limit."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for piece in _pieces(text, limit):
        candidate = f"{current}\n\n{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts


def _pieces(text: str, limit: int) -> list[str]:
    out: list[str] = []
    for para in text.split("\n\n"):
        if len(para) <= limit:
            out.append(para)
            continue
        line_buf = ""
        for line in para.split("\n"):
            while len(line) > limit:
                if line_buf:
                    out.append(line_buf)
                    line_buf = ""
                out.append(line[:limit])
                line = line[limit:]
            candidate = f"{line_buf}\n{line}" if line_buf else line
            if len(candidate) <= limit:
                line_buf = candidate
            else:
                out.append(line_buf)
                line_buf = line
        if line_buf:
            out.append(line_buf)
    return out
