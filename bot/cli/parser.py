"""argparse in the CLI's language: its own words ("usage:", "options", "show this help
message and exit", its error messages) from locales/cli.ftl, and help text wrapped by
display width, so a Chinese help line fits the terminal.

argparse (3.11 to 3.13) takes its words from gettext through the module's `_` and
`ngettext`, looked up when a parser is built and when it formats help or an error; there is
no per-parser hook. `speaking(t)` puts the translator in their place while the command line
is parsed, and puts gettext back afterwards. A message argparse has that the table does not
name (a programming error, such as a conflicting option) stays English.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import wcwidth

from bot.i18n import Translator

# argparse's message -> the key of its translation. The translations keep argparse's
# %-placeholders (`%s`, `%(prog)s`), which argparse fills in after translating.
MESSAGES = {
    "usage: ": "cli-usage",
    "positional arguments": "cli-positional-arguments",
    "options": "cli-options",
    "show this help message and exit": "cli-help-help",
    "%(prog)s: error: %(message)s\n": "cli-error",
    "the following arguments are required: %s": "cli-error-required",
    "unrecognized arguments: %s": "cli-error-unrecognized",
    "invalid choice: %(value)r (choose from %(choices)s)": "cli-error-invalid-choice",
    "argument %(argument_name)s: %(message)s": "cli-error-argument",
    "expected one argument": "cli-error-expected-one",
    "expected at most one argument": "cli-error-expected-at-most-one",
    "expected at least one argument": "cli-error-expected-at-least-one",
    "invalid %(type)s value: %(value)r": "cli-error-invalid-value",
    "ambiguous option: %(option)s could match %(matches)s": "cli-error-ambiguous",
    "not allowed with argument %s": "cli-error-not-allowed-with",
    "one of the arguments %s is required": "cli-error-one-required",
    "ignored explicit argument %r": "cli-error-ignored-argument",
    "can't open '%(filename)s': %(error)s": "cli-error-cannot-open",
}
# ngettext's singular -> the keys of the singular and the plural
PLURAL = {"expected %s argument": ("cli-error-expected-n-one", "cli-error-expected-n")}


@contextmanager
def speaking(t: Translator) -> Iterator[None]:
    """argparse's own words in `t`'s language while the block runs."""

    def gettext(message: str) -> str:
        key = MESSAGES.get(message)
        if key is None:
            return message
        # Fluent drops a message's trailing newline; the error line needs it
        return t(key) + ("\n" if message.endswith("\n") else "")

    def ngettext(singular: str, plural: str, n: int) -> str:
        keys = PLURAL.get(singular)
        if keys is None:
            return singular if n == 1 else plural
        return t(keys[0] if n == 1 else keys[1])

    ours: dict[str, Callable[..., str]] = {"_": gettext, "ngettext": ngettext}
    saved = {name: getattr(argparse, name) for name in ours}
    for name, value in ours.items():
        setattr(argparse, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(argparse, name, value)


class HelpFormatter(argparse.HelpFormatter):
    """argparse's layout, with lines measured in terminal columns: a Chinese character
    takes two, so wrapping by characters would run a help line off the screen."""

    def _format_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None) -> str:
        # argparse counts the prefix in characters: "用法：" is three but takes six columns
        if prefix is None:
            prefix = argparse._("usage: ")  # type: ignore[attr-defined]
        extra = wcwidth.width(prefix) - len(prefix)
        self._width -= extra
        try:
            text: str = super()._format_usage(usage, actions, groups, prefix)
        finally:
            self._width += extra
        first, *rest = text.split("\n")
        return "\n".join([first, *(" " * extra + line if line else line for line in rest)])

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(wrap(text, width, indent))


NO_LINE_START = "，。、；：？！）》」』】"  # Chinese punctuation stays with the word before it


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """`text` in lines of at most `width` terminal columns; as Chinese typesetting does,
    a punctuation mark that would start a line is pulled back to the end of the line
    before (argparse leaves two columns at the right for it)."""
    lines = wcwidth.wrap(
        " ".join(text.split()), width, initial_indent=indent, subsequent_indent=indent
    )
    for i in range(1, len(lines)):
        body = lines[i][len(indent) :]
        if body[:1] in NO_LINE_START and len(body) > 1:
            lines[i - 1] += body[0]
            lines[i] = indent + body[1:]
    return lines


class Parser(argparse.ArgumentParser):
    """The parser of `muster` and of each subcommand (subparsers are made of the parser's
    own class): the help is laid out by display width."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


__all__ = ["MESSAGES", "HelpFormatter", "Parser", "speaking"]
