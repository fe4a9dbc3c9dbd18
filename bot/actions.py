"""Button action tokens: "feature:verb:arg1:arg2", at most 64 bytes (Telegram's limit)."""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 64
SEP = ":"


class BadAction(ValueError):
    """A token that is not ours, too long, or malformed."""


@dataclass(frozen=True, slots=True)
class Action:
    feature: str
    verb: str
    args: tuple[str, ...] = ()

    @property
    def route(self) -> str:
        return f"{self.feature}{SEP}{self.verb}"

    def arg(self, i: int = 0) -> str:
        try:
            return self.args[i]
        except IndexError:
            raise BadAction(f"missing argument {i} in {self.encode()}") from None

    def int_arg(self, i: int = 0) -> int:
        value = self.arg(i)
        if not value.isdigit():
            raise BadAction(f"argument {i} is not a number in {self.encode()}")
        return int(value)

    def encode(self) -> str:
        return encode(self.feature, self.verb, *self.args)


def encode(feature: str, verb: str, *args: object) -> str:
    parts = [feature, verb, *(str(a) for a in args)]
    for part in parts:
        if SEP in part:
            raise BadAction(f"separator inside part {part!r}")
    token = SEP.join(parts)
    if len(token.encode()) > MAX_BYTES:
        raise BadAction(f"action token longer than {MAX_BYTES} bytes: {token!r}")
    return token


def decode(token: str) -> Action:
    if not token or len(token.encode()) > MAX_BYTES:
        raise BadAction(f"bad action token {token!r}")
    parts = token.split(SEP)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise BadAction(f"bad action token {token!r}")
    return Action(parts[0], parts[1], tuple(parts[2:]))
