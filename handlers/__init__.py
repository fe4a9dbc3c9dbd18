"""Conversation handlers, one flow per feature. They know nothing of any chat platform."""

from __future__ import annotations

from bot.router import Dispatcher, Flow
from handlers import (
    checkins,
    escalations,
    hotline,
    notice_approval,
    notices,
    office,
    pledges,
    records,
    register,
    start,
    tasks,
    training,
)


def all_flows() -> list[Flow]:
    return [
        start.flow,
        tasks.flow,
        records.flow,
        pledges.flow,
        escalations.flow,
        office.flow,
        notices.flow,
        notice_approval.flow,
        training.flow,
        checkins.flow,
        register.flow,
        hotline.flow,
    ]


def build_dispatcher() -> Dispatcher:
    return Dispatcher(all_flows())
