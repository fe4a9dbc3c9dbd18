"""Conversation handlers, one flow per feature. They know nothing of any chat platform."""

from __future__ import annotations

from bot.router import Dispatcher, Flow
from handlers import escalations, pledges, start, tasks


def all_flows() -> list[Flow]:
    return [start.flow, tasks.flow, pledges.flow, escalations.flow]


def build_dispatcher() -> Dispatcher:
    return Dispatcher(all_flows())
