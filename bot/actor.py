"""Who performs a service call: a person (from a chat) or the operator at the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import NotAllowed
from storage.models import Person, Role


@dataclass(frozen=True, slots=True)
class Actor:
    person: Person | None
    label: str

    @classmethod
    def of(cls, person: Person) -> Actor:
        return cls(person, f"person:{person.employee_no}")

    @classmethod
    def cli(cls, what: str = "cli") -> Actor:
        """The operator at the console: trusted as office staff (has shell and DB access)."""
        return cls(None, what)

    @property
    def is_operator(self) -> bool:
        return self.person is None

    def has_role(self, role: Role) -> bool:
        return self.is_operator or (self.person is not None and self.person.has_role(role))

    def require(self, *roles: Role) -> None:
        """Raise NotAllowed unless the actor has one of the roles (the operator has all)."""
        if self.is_operator:
            return
        if not any(self.has_role(r) for r in roles):
            raise NotAllowed()
