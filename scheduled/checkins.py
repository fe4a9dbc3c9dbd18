"""Opening the weekly check-in and unit register.

The job runs when the bot starts, every hour, and at the opening moment (MUSTER_CHECKIN_OPEN,
Monday 09:00 by default): once this week's opening time has passed and before its due time,
it opens the week if it is not open yet. So a bot that was down on Monday morning catches
up when it comes back; running twice creates nothing new.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.actor import Actor
from bot.app import App
from bot.config import Settings, weekly_time
from bot.services import Services
from bot.services import checkins as checkin_svc
from bot.services import register as register_svc
from bot.services.checkins import Week, week_window

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Opened:
    checkin: checkin_svc.OpenResult
    register: register_svc.OpenResult


async def open_week(svc: Services, actor: Actor, week: Week) -> Opened:
    """Open the week's check-in and register (idempotent)."""
    return Opened(
        await svc.checkins.open_week(actor, week), await svc.register.open_week(actor, week)
    )


async def open_current_week(app: App) -> Opened | None:
    """Open this week if its opening time has passed, it is not due yet and not open."""
    now = app.clock.now()
    week = Week.of(now, app.settings.tz)
    opens, due = week_window(week, app.settings)
    if not opens <= now < due:
        return None  # before the opening: last week is current; after the due time: too late
    async with app.unit_of_work() as svc:
        have_checkin = await svc.checkins.campaign(week) is not None
        have_register = await svc.checkins.campaign(week, register_svc.KIND) is not None
        if have_checkin and have_register:
            return None
        opened = await open_week(svc, Actor.cli("scheduler"), week)
    log.info(
        "opened week %s: %d check-ins, %d register tasks",
        week,
        opened.checkin.assigned,
        opened.register.assigned,
    )
    return opened


def opening_trigger(settings: Settings) -> OrTrigger:
    """At the opening moment each week, and every hour in case the bot was down then."""
    weekday, at = weekly_time(settings.checkin_open)
    return OrTrigger(
        [
            CronTrigger(day_of_week=weekday, hour=at.hour, minute=at.minute, timezone=settings.tz),
            IntervalTrigger(hours=1, timezone=settings.tz),
        ]
    )
