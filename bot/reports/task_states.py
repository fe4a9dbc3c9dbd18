"""How the states every kind's status view and export shares read: "on leave until …" (the
last day of the leave) and "waiting for training" (bot.services.tasks.task_state)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from bot.i18n import Translator
from bot.services.leave import last_day


def state_note(t: Translator, *, leave_until: datetime | None, waiting: bool = False) -> str:
    """ "on leave until <last day>", "waiting for training", or "" for any other task."""
    if leave_until is not None:
        return t("status-on-leave", until=last_day(leave_until, t.tz).isoformat())
    if waiting:
        return t("status-waiting-training")
    return ""


def note_of(t: Translator, row: Any) -> str:
    """The note of a row with `leave_until` and `waiting` (a status row, a pending person)."""
    return state_note(t, leave_until=row.leave_until, waiting=row.waiting)


def with_note(t: Translator, row: Any, *flags: str) -> str:
    """The row's note followed by the view's own flags (overdue, out of attempts)."""
    return " ".join(f for f in (note_of(t, row), *flags) if f)


STATE_COLUMNS = (("waiting", "report-col-waiting-training"), ("on_leave", "report-col-on-leave"))


Counts = Callable[[Any], tuple[int, ...]]


def state_columns(units: Sequence[Any]) -> tuple[tuple[str, ...], Counts]:
    """The header keys of the per-unit counts "waiting for training" and "on leave" that
    any unit has, and how to read them from a unit (a table shows no column of zeros)."""
    shown = [(name, key) for name, key in STATE_COLUMNS if any(getattr(u, name) for u in units)]
    return tuple(key for _, key in shown), lambda u: tuple(getattr(u, name) for name, _ in shown)
