"""The office's view of a notice's progress, rendered for the chat (the "nt:st" button) and
for the outbox (the scheduled refresh in scheduled/notices.py edits the same message)."""

from __future__ import annotations

from datetime import datetime

from bot.actions import Btn
from bot.i18n import Translator
from bot.services.notices import Counts, NoticeStats
from bot.text import Markup, html_join

MAX_UNITS = 30  # units listed in the chat; `muster notice stats` shows all


def render_stats(t: Translator, stats: NoticeStats, now: datetime) -> Markup:
    """Progress first, then units with the most people still outstanding."""
    n, total = stats.notice, stats.total
    lines = [t("notice-stats-title", id=n.id, title=n.title, sent=t.time(n.created_at))]
    if n.requires_ack:
        lines.append(t("notice-stats-due", due=t.time(n.ack_by)))
    lines.append(
        t(
            "notice-stats-progress",
            done=total.targeted - total.pending,
            total=total.targeted,
            delivered=total.delivered,
            failed=total.failed,
            unreachable=total.unreachable,
        )
    )
    lines.append(_counts_line(t, "notice-stats-total", total))
    key = "notice-stats-unit" if n.requires_ack else "notice-stats-unit-noack"
    lines.extend(_counts_line(t, key, u) for u in stats.units[:MAX_UNITS])
    if len(stats.units) > MAX_UNITS:
        lines.append(t("notice-stats-units-more", count=len(stats.units) - MAX_UNITS, id=n.id))
    if n.nudges:
        lines.append(t("notice-stats-nudged", rounds=n.nudges, count=stats.nudged))
    lines.append(t("notice-stats-updated", time=now.astimezone(t.tz).strftime("%H:%M:%S")))
    return html_join(lines)


def _counts_line(t: Translator, key: str, c: Counts) -> str:
    return t(
        key,
        unit=c.unit,
        targeted=c.targeted,
        delivered=c.delivered,
        pending=c.pending,
        failed=c.failed,
        unreachable=c.unreachable,
        no_account=c.no_account,
        acknowledged=c.acknowledged,
        excused=c.excused,
    )


def office_buttons(
    t: Translator, notice_id: int, requires_ack: bool
) -> list[list[dict[str, str]]]:
    """Refresh, remind those who have not acknowledged (if asked to), the notice list."""
    rows = [[{"label": t("btn-notice-refresh"), "action": Btn.NOTICE_STATS.token(notice_id)}]]
    if requires_ack:
        rows.append(
            [{"label": t("btn-notice-nudge"), "action": Btn.NOTICE_NUDGE_ASK.token(notice_id)}]
        )
    rows.append([{"label": t("btn-notice-list"), "action": Btn.NOTICE_MENU}])
    return rows
