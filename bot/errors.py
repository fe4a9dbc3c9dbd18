"""Domain errors. Each carries a locale key; the conversation engine renders it."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """An expected refusal. `key` is a locale key, `args` its arguments.

    `persist = True` means the refusal itself changed something that must be kept
    (a counted wrong attempt); otherwise the transaction is rolled back.
    """

    key = "error-generic"
    persist = False

    def __init__(self, key: str | None = None, /, **args: Any) -> None:
        self.key = key or self.key
        self.args_ = args
        super().__init__(f"{self.key} {args}" if args else self.key)


class NotAllowed(DomainError):
    key = "error-not-allowed"


class NotFound(DomainError):
    key = "error-not-found"


class InvalidInput(DomainError):
    key = "error-invalid-input"
