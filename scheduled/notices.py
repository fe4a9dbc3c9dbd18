"""Notice progress: the office message that shows a notice's delivery updates itself.

Runs every 5 s (scheduled/jobs.py). For each notice sent from the chat whose delivery is
still going, it queues one urgent outbox row that edits the office's progress message to
the same text the "Refresh progress" button shows; once everything has an outcome, one last
edit, then nothing more. One edit per notice per 5 s bucket (the dedupe key), and none
while the previous one still waits (a 429 pause must not pile them up).
"""

from __future__ import annotations

from bot.actor import Actor
from bot.app import App
from bot.notice_render import office_buttons, render_stats


async def refresh_progress(app: App) -> int:
    """Queue an edit of each notice's progress message; return how many were queued."""
    actor = Actor.cli("scheduler:notices")
    now = app.clock.now()
    queued = 0
    async with app.unit_of_work() as svc:
        for shown in await svc.notices.progress_due(actor):
            stats = await svc.notices.stats(actor, shown.notice_id)
            t = app.translator(shown.locale)
            text = render_stats(t, stats, now)
            buttons = office_buttons(t, shown.notice_id, stats.notice.requires_ack)
            queued += await svc.notices.show_progress(actor, shown, text, buttons)
    return queued
