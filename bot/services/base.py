"""Base for services: a session (unit of work owned by the caller), a clock, settings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import KW_ONLY, dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.notify import Notifier
from storage import audit
from storage.models import AuditEvent

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    from bot.actor import Actor

S = TypeVar("S", bound="Service")
V = TypeVar("V", bound="DataclassInstance")


def project(view: type[V], row: object, /, **values: Any) -> V:
    """A `view` (a dataclass) of `row`'s attributes by the names of its fields, with
    `values` in place of the fields the row has no attribute for or that are computed: a
    view that shows a row's columns names its fields after them, and nobody copies them
    one by one."""
    names = [f.name for f in fields(view) if f.init and f.name not in values]
    return view(**{name: getattr(row, name) for name in names}, **values)


@dataclass(eq=False)
class Service:
    """Services flush, never commit: the conversation engine or CLI command that opened
    the session commits once, so a handler's service calls and its conversation state
    land in one transaction."""

    session: AsyncSession
    _: KW_ONLY
    clock: Clock
    settings: Settings

    def sibling(self, cls: type[S], **deps: Any) -> S:
        """Another service in this unit of work: the same session, clock and settings."""
        return cls(self.session, clock=self.clock, settings=self.settings, **deps)

    async def audit_event(
        self,
        actor: Actor | str,
        kind: str,
        subject: str,
        payload: dict[str, Any] | None = None,
        *,
        at: datetime | None = None,
        evidence: Iterable[audit.Evidence] = (),
    ) -> AuditEvent:
        """Append an audit event in this unit of work (`storage.audit.append`): done by
        `actor` (an Actor, or a label such as "engine:leave"), at `at`, or now."""
        return await audit.append(
            self.session,
            at=self.clock.now() if at is None else at,
            actor=actor if isinstance(actor, str) else actor.label,
            kind=kind,
            subject=subject,
            payload=payload,
            evidence=evidence,
        )


@dataclass(eq=False, kw_only=True)
class NotifyingService(Service):
    """A service that sends its messages through the notifier."""

    notifier: Notifier
