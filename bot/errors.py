"""Domain errors. Each carries a locale key; the conversation engine renders it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class DomainError(Exception):
    """An expected refusal. `key` is a locale key, `args` its arguments.

    `persist = True` means the refusal itself changed something that must be kept
    (a counted wrong attempt); otherwise the transaction is rolled back.
    """

    key = "error-generic"
    persist = False

    def __init_subclass__(cls, key: str | None = None, **kw: Any) -> None:
        """`class NotYours(DomainError, key="pledge-not-yours"): ...` names the key."""
        super().__init_subclass__(**kw)
        if key is not None:
            cls.key = key

    def __init__(self, key: str | None = None, /, **args: Any) -> None:
        self.key = key or self.key
        self.args_ = args
        super().__init__(f"{self.key} {args}" if args else self.key)

    def render(self, t: Callable[..., str]) -> str:
        """The message in `t`'s language (the translator escapes what a user typed)."""
        return t(self.key, **self.args_)


class NotAllowed(DomainError, key="error-not-allowed"): ...


class NotFound(DomainError, key="error-not-found"): ...


class InvalidInput(DomainError, key="error-invalid-input"): ...
