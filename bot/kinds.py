"""What one kind of task (pledge, training, notice, check-in, register) says about itself.

A kind states only what is special about it: how its button opens a task, what it is
called, its default reminder and escalation policy, what "done" means (the people whose
completion record for a campaign's content exists already) and, for kinds whose content
is replaced by new versions, who had started the old one. Publishing, republishing, the
audience and its sync, excuse, ownership checks, per-unit counts and export rows live
once in `bot.services.tasks` and read this.

Kinds are registered in `bot/services/__init__.py` (one line each, with the list of files
a new kind touches); this module is a leaf so that notify and the engine can read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select

from bot.errors import DomainError
from bot.policy import Policy
from storage.models import Campaign

# `select(<person id>)` over the people who need no (new) task of the campaign.
PeopleQuery = Callable[[Campaign], Select[Any]]


@dataclass(frozen=True, slots=True)
class TaskKind:
    # Campaign.kind; the kind's locale files say what it is called (`kind-NAME`) and
    # label the button that opens a task (`btn-NAME-open`)
    name: str
    open_route: str  # action prefix, e.g. "pl:o" -> "pl:o:<assignment id>"
    not_yours: type[DomainError]  # an assignment of another person, or of another kind
    # default reminders and escalation (MUSTER_POLICIES overrides it)
    policy: Policy = Policy()
    published_template: str = "task-published"  # the message of a new task
    # the people whose completion record for the campaign's content exists: never re-tasked
    done_people: PeopleQuery | None = None
    # the people midway through a campaign's content when a new version replaces it; they
    # get `restart_template` instead of `published_template`
    started_people: PeopleQuery | None = None
    restart_template: str | None = None
    # the 10-minute audience sync hands active campaigns to newcomers (weekly kinds are
    # handed out when their week opens, a notice when it is sent)
    syncs_audience: bool = False
    # a condition over the status query's Assignment and Campaign: the person's task waits
    # for something they must do first (a pledge: the training it presupposes); the status
    # views and exports show "waiting for training" instead of "not signed"
    waiting: Callable[[], ColumnElement[bool]] | None = None

    @property
    def name_key(self) -> str:
        return f"kind-{self.name}"

    @property
    def open_label_key(self) -> str:
        return f"btn-{self.name}-open"

    def policy_with(self, overrides: dict[str, dict[str, Any]] | None) -> Policy:
        """The default policy with a deployment's MUSTER_POLICIES entry for this kind."""
        if overrides and self.name in overrides:
            return Policy.from_json({**self.policy.to_json(), **overrides[self.name]})
        return self.policy


KINDS: dict[str, TaskKind] = {}


def register_kind(kind: TaskKind) -> TaskKind:
    KINDS[kind.name] = kind
    return kind
