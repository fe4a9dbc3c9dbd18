"""The one parser of typed local dates and times: the CLI (`--due`, `--ack-by`, `--now`), the
chat (a notice's confirmation deadline, a register row's deadline) and spreadsheet cells.

Text is NFKC-normalised first, so full-width digits and colons (１８：３０) count as ASCII.

A date and time, in the deployment's zone:

| form | example |
| --- | --- |
| `YYYY-MM-DDTHH:MM`, `YYYY-MM-DD HH:MM` | 2026-12-15T12:00, 2026-12-15 12:00 |
| `/` or `.` between the date's parts | 2026/12/15 12:00, 2026.12.15 12:00 |
| Chinese date and hour | 2026年12月15日 12:00, 2026年12月15日12点, 12点30分, 12时 |
| no year: the next such time from now | 12-15 12:00, 12月15日 18点 |

A date alone (a register row's deadline) takes the same date forms with the year:
2026-12-31, 2026/12/31, 2026.12.31, 2026年12月31日. Anything else is refused (None): a
date without a time where a time is wanted, seconds, a time zone, day-first dates
(15/12/2026), words (tomorrow), impossible dates (2-30) and hours (24:00).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_YEAR = r"(?P<y>\d{4})\s*[-/.年]\s*"
_MONTH_DAY = r"(?P<mo>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
_TIME = r"(?P<h>\d{1,2})\s*(?::\s*(?P<mi>\d{2})|[点时]\s*(?:(?P<mi2>\d{1,2})\s*分)?)"
_DATE_TIME = re.compile(rf"(?:{_YEAR})?{_MONTH_DAY}[\sT]*{_TIME}")
_DATE = re.compile(_YEAR + _MONTH_DAY)


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def parse_local(text: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """A typed local date and time as an aware datetime in `tz`, or None. Without a year:
    the next such time from `now`."""
    match = _DATE_TIME.fullmatch(_normal(text))
    if match is None:
        return None
    g = match.groupdict()
    local_now = now.astimezone(tz)
    try:
        at = datetime(
            int(g["y"] or local_now.year),
            int(g["mo"]),
            int(g["d"]),
            int(g["h"]),
            int(g["mi"] or g["mi2"] or 0),
            tzinfo=tz,
        )
        if g["y"] is None and at < local_now:
            at = at.replace(year=at.year + 1)
    except ValueError:  # 2-30, 24:00, or 2-29 with no leap year ahead
        return None
    return at


def parse_date(text: str) -> date | None:
    """A typed date with its year (2026-12-31, 2026/12/31, 2026.12.31, 2026年12月31日)."""
    match = _DATE.fullmatch(_normal(text))
    if match is None:
        return None
    try:
        return date(int(match["y"]), int(match["mo"]), int(match["d"]))
    except ValueError:
        return None


# --- quick deadlines: what the chat offers as buttons instead of typing ---------------------

QUICK_DEADLINES = ("today", "tomorrow", "3days", "week")  # the button label keys' endings
_QUICK_AT = {"today": (0, 18), "tomorrow": (1, 12), "3days": (3, 18), "week": (7, 18)}
TOKEN_FORMAT = "%Y%m%d%H%M"  # a quick deadline in a button token: local, to the minute


def quick_deadlines(now: datetime, tz: ZoneInfo) -> list[tuple[str, datetime]]:
    """Today 18:00 (while at least an hour away), tomorrow 12:00, in 3 days and in a week
    at 18:00, local: (which, when)."""
    local_now = now.astimezone(tz)
    found = []
    for which in QUICK_DEADLINES:
        days, hour = _QUICK_AT[which]
        day = local_now.date() + timedelta(days=days)
        at = datetime(day.year, day.month, day.day, hour, 0, tzinfo=tz)
        if at - local_now >= timedelta(hours=1):
            found.append((which, at))
    return found


def quick_token(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime(TOKEN_FORMAT)


def parse_quick_token(token: str, tz: ZoneInfo) -> datetime | None:
    """A deadline a button carried (`quick_token`), or None if it is not one."""
    try:
        return datetime.strptime(token, TOKEN_FORMAT).replace(tzinfo=tz)
    except ValueError:
        return None
