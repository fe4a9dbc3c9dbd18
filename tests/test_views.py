"""Views built from rows: `project` copies a row's attributes by the view's field names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from bot.services.base import project
from bot.services.hotline import TicketSummary
from bot.services.notices import NoticeView
from storage.models_notices import Notice


@dataclass(frozen=True, slots=True)
class Shown:
    id: int
    name: str
    late: bool = False


def test_a_view_takes_the_row_s_attributes_of_its_field_names() -> None:
    row = SimpleNamespace(id=7, name="张三", late=True, secret="never copied")
    assert project(Shown, row) == Shown(7, "张三", True)


def test_given_values_stand_in_for_computed_fields() -> None:
    row = SimpleNamespace(id=7, name="张三")  # no `late`: the caller computes it
    assert project(Shown, row, late=True) == Shown(7, "张三", True)
    assert project(Shown, row, name="李四", late=False).name == "李四"


def test_a_field_the_row_lacks_and_nobody_gives_is_an_error() -> None:
    with pytest.raises(AttributeError):
        project(Shown, SimpleNamespace(id=7))


def test_the_notice_view_is_the_notice_s_columns() -> None:
    at = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    notice = Notice(
        id=3,
        title="冬季安全",
        body="注意防火",
        requires_ack=True,
        ack_by=at,
        attachment_name=None,
        attachment_size=None,
        created_at=at,
        created_by="office",
        targeted=12,
        nudges=1,
    )
    view = NoticeView.of(notice)
    assert (view.id, view.title, view.requires_ack, view.targeted, view.nudges) == (
        3,
        "冬季安全",
        True,
        12,
        1,
    )


def test_a_ticket_summary_never_carries_who_asked() -> None:
    row = SimpleNamespace(
        id=1,
        number="H000001",
        status="open",
        anonymous=False,
        created_at=None,
        last_activity_at=None,
        reply_due_at=None,
        asker_person_id=42,
    )
    summary = project(TicketSummary, row, overdue=False, preview="社保")
    assert not hasattr(summary, "asker_person_id")
    assert summary.number == "H000001" and summary.preview == "社保"
