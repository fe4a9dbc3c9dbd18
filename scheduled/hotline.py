"""Hotline reply time: remind the office of tickets unanswered for one working day.

Runs hourly (scheduled/jobs.py). A ticket is due one working day after the asker's oldest
unanswered message (bot/services/hotline.py `next_working_day`); every office staffer gets
one reminder per overdue ticket per working day (the dedupe key carries the local date),
so an hourly run never repeats itself and a ticket still waiting tomorrow is reminded again.
No reminders on Saturday and Sunday; quiet hours hold a reminder until the morning.
"""

from __future__ import annotations

import logging

from bot.actor import Actor
from bot.app import App

log = logging.getLogger(__name__)


async def remind_overdue_tickets(app: App) -> int:
    """Queue reminders for overdue hotline tickets; return how many were queued."""
    async with app.unit_of_work() as svc:
        queued = await svc.hotline.remind_overdue(Actor.cli("scheduler:hotline"))
    if queued:
        log.info("hotline: %d overdue-ticket reminder(s) queued", queued)
    return queued
