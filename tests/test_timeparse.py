"""The one parser of typed local times (bot/timeparse): every accepted form, and refusals."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.timeparse import parse_date, parse_local

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-15T12:00", at(12, 15, 12)),
        ("2026-12-15 12:00", at(12, 15, 12)),
        ("2026-12-15  12:00 ", at(12, 15, 12)),
        ("2026/12/15 12:00", at(12, 15, 12)),
        ("2026.12.15 12:00", at(12, 15, 12)),
        ("2026/12/5T8:05", at(12, 5, 8, 5)),
        ("2026年12月15日 12:00", at(12, 15, 12)),
        ("2026年12月15日12点", at(12, 15, 12)),
        ("2026年12月15日12点30分", at(12, 15, 12, 30)),
        ("2026年12月15日 18时", at(12, 15, 18)),
        ("１２月２日 １８：３０", at(12, 2, 18, 30)),  # full-width digits and colon
        ("12-15 12:00", at(12, 15, 12)),
        ("12月15日 18点", at(12, 15, 18)),
        ("12-1 10:00", at(12, 1, 10)),  # now itself is not past
        ("12-1 9:59", at(12, 1, 9, 59, year=2027)),  # without a year: the next such time
        ("1-5 9:00", at(1, 5, 9, year=2027)),
    ],
)
def test_accepted_forms(typed: str, expected: datetime) -> None:
    assert parse_local(typed, SHANGHAI, NOW) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "2026-12-15",  # a date alone where a time is wanted
        "2026-12-15T12",  # an hour without 点/时 or minutes
        "2026-12-15T12:00:30",  # seconds
        "2026-12-15T12:00+08:00",  # a time zone: times are local
        "15/12/2026 12:00",  # day first
        "2026-13-01T12:00",
        "2026-02-30 09:00",
        "2-30 9:00",
        "2026-12-15 24:00",
        "2026-12-15 12:60",
        "tomorrow",
        "明天下午三点",
        "12:00",  # a time without a date
    ],
)
def test_refused_forms(typed: str) -> None:
    assert parse_local(typed, SHANGHAI, NOW) is None


def test_the_result_is_in_the_zone_asked_for() -> None:
    utc_now = NOW.astimezone(ZoneInfo("UTC"))
    assert parse_local("12-15 12:00", SHANGHAI, utc_now) == at(12, 15, 12)
    assert parse_local("2026-12-15 12:00", ZoneInfo("UTC"), NOW) == datetime(
        2026, 12, 15, 12, 0, tzinfo=ZoneInfo("UTC")
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-31", date(2026, 12, 31)),
        ("2026/12/31", date(2026, 12, 31)),
        ("2026.1.5", date(2026, 1, 5)),
        ("2026年12月31日", date(2026, 12, 31)),
        (" ２０２６－１２－３１ ", date(2026, 12, 31)),
        ("2026-12-31 12:00", None),  # a date is a date
        ("12-31", None),  # its year is needed
        ("2026-02-30", None),
        ("31/12/2026", None),
        ("下周", None),
    ],
)
def test_dates(typed: str, expected: date | None) -> None:
    assert parse_date(typed) == expected
