"""A cell is never a formula: one rule for every import and every export.

A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` as a formula, and a
leading tab or carriage return hides such a start (OWASP, "CSV Injection"). Exports
neutralise every text that starts so: an .xlsx cell is stored as text with Excel's quote
prefix (the text is shown as written and stays text after an edit), a CSV field gets a
leading `'`.

Imports refuse a formula: a formula cell of an .xlsx, a text starting with `=`, and a text
starting with `+`, `-` or `@` that calls a function or another program (`@SUM(1)`,
`+cmd|' /C calc'!A0`). Other texts so starting are data (`-night shift`,
`+86 138 0000 0000`) and are taken as written: every export neutralises them. A text the
file marks as text (quote prefix, or the leading `'` of our CSV) is never a formula.
"""

from __future__ import annotations

import re

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_CALL = re.compile(r"[A-Za-z_][\w.]*\(|[|!]")  # SUM(  HYPERLINK(  cmd|  Sheet1!A1


def starts_like_formula(text: str) -> bool:
    """Whether an export must neutralise this text."""
    return text.startswith(FORMULA_PREFIXES)


def is_formula_text(text: str) -> bool:
    """Whether an imported text is a formula (refused) rather than data."""
    if text.startswith("="):
        return True
    return text.startswith(("+", "-", "@")) and _CALL.search(text) is not None


def csv_field(value: object) -> object:
    """A value as a CSV field: a text that starts like a formula gets a leading `'`."""
    if isinstance(value, str) and starts_like_formula(value):
        return "'" + value
    return value
