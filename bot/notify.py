"""Messages that go through the outbox: rendered per recipient locale at enqueue time.

Task kinds (`bot.kinds`) say how their tasks are opened, so reminders and digests can
carry the right button without the engine knowing any feature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import encode
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Catalog, Translator
from bot.kinds import KINDS
from bot.policy import Policy
from storage import outbox
from storage import people as people_repo
from storage.models import Assignment, Campaign, ChannelAccount, Person

PRIORITY_URGENT = 1  # escalations, replies to a person
PRIORITY_TASK = 3  # reminders
PRIORITY_BULK = 5  # broadcasts

EACH_CHUNK = 5000  # assignments per INSERT ... SELECT of their messages

PUBLISHED = "task-published"  # the template of the message at publish time


@dataclass(frozen=True, slots=True)
class Message:
    """A kind of message to one person, declared once beside the code that sends it: its
    text (the locale key), its outbox kind, its priority, and whether quiet hours hold it
    (a message the person is waiting for, such as a login code, goes at once)."""

    key: str
    kind: str
    priority: int = PRIORITY_URGENT
    respect_quiet: bool = True


# to a person's mentor (or leader): the bot cannot reach him
UNREACHABLE = Message("esc-unreachable", "esc.unreachable")


def open_button(t: Translator, kind: str, assignment_id: int | str) -> dict[str, str] | None:
    info = KINDS.get(kind)
    if info is None:
        return None
    feature, verb = info.open_route.split(":")
    return {"label": t(info.open_label_key), "action": encode(feature, verb, assignment_id)}


def campaign_title(campaign: Campaign, locale: str) -> str:
    titles = campaign.titles or {}
    return str(titles.get(locale) or titles.get("zh_CN") or campaign.ref_key)


class Notifier:
    def __init__(
        self, session: AsyncSession, *, clock: Clock, settings: Settings, catalog: Catalog
    ) -> None:
        self.session = session
        self.clock = clock
        self.settings = settings
        self.catalog = catalog

    def t(self, locale: str | None) -> Translator:
        return self.catalog.translator(locale, self.settings.tz)

    def not_before(self, at: datetime) -> datetime:
        """`at`, or the end of quiet hours when `at` falls inside them."""
        window = self.settings.quiet_window
        if window is None:
            return at
        start, end = window
        local = at.astimezone(self.settings.tz)
        now_t = local.time()
        inside = (start <= now_t or now_t < end) if start > end else (start <= now_t < end)
        if not inside:
            return at
        wake = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        if wake <= local:
            wake += timedelta(days=1)
        return wake.astimezone(at.tzinfo)

    def hold_until(self, now: datetime, due: datetime | None) -> datetime:
        """When a message about a task due at `due` may go: after quiet hours, unless the
        task falls due before they end; then now (a message about a task is never held
        past its own deadline). An overdue task's message waits for the morning."""
        wake = self.not_before(now)
        if due is not None and now < due < wake:
            return now
        return wake

    async def task_messages(
        self,
        campaign: Campaign,
        assignments: Sequence[tuple[int, int]],  # (assignment id, person id)
        *,
        template: str,
        dedupe: str,
        priority: int = PRIORITY_TASK,
        new_tasks: bool = False,
    ) -> int:
        """One message per assignment (publish notice or reminder), rendered per locale.
        `new_tasks`: the assignments were created in this transaction, so no message about
        them can be queued yet (their dedupe keys are new)."""
        if not assignments:
            return 0
        if template == PUBLISHED and not Policy.from_json(campaign.policy).remind_at_publish:
            return 0  # the kind's policy says: no message at publish time
        now = self.clock.now()
        send_at = self.hold_until(now, campaign.due_at)  # never past the task's deadline
        # each text and button rendered once per language, never one translation per row:
        # a person whose locale is not one of the catalog's gets the default language
        rendered: dict[str, outbox.Content] = {}
        for loc in self.catalog.bundles:
            t = self.t(loc)
            text = t(
                template, title=campaign_title(campaign, t.locale), due=t.time(campaign.due_at)
            )
            button = open_button(t, campaign.kind, outbox.EACH)
            rendered[loc] = (text, [[button]] if button else [])
        text, buttons = rendered[self.t(None).locale]
        outgoing = outbox.Outgoing(
            kind=f"task.{template}",
            ref="assignment:" + outbox.EACH,
            text=text,
            buttons=buttons,
            not_before=send_at,
            now=now,
            priority=priority,
        )
        queued = 0
        ids = sorted(a for a, _ in assignments)
        dialect = outbox.dialect_of(self.session)
        for i in range(0, len(ids), EACH_CHUNK):
            queued += await outbox.enqueue_each(
                self.session,
                select(Assignment.id, Assignment.person_id).where(
                    outbox.id_in(Assignment.id, ids[i : i + EACH_CHUNK], dialect)
                ),
                outgoing,
                dedupe_key=f"{dedupe}:{outbox.EACH}",
                by_locale=rendered,
                new_keys=new_tasks,
            )
        return queued

    async def to_person(
        self,
        person: Person,
        message: Message,
        /,
        *,
        ref: str | None,
        dedupe_key: str,
        buttons: list[list[dict[str, str]]] | None = None,
        task_due: datetime | None = None,
        **args: Any,
    ) -> int:
        """`message` to one person, rendered in their language. About a task (`ref`
        "assignment:<id>"), `task_due` is its deadline: quiet hours never hold it past that,
        and an earlier message about the task still waiting goes no later than this one
        (`outbox.not_after`): the task is told before its reminder."""
        now = self.clock.now()
        t = self.t(person.locale)
        account = await self.account_of(person.id)
        outgoing = outbox.Outgoing(
            kind=message.kind,
            ref=ref,
            text=t(message.key, **args),
            buttons=buttons,
            not_before=self.hold_until(now, task_due) if message.respect_quiet else now,
            now=now,
            priority=message.priority,
        )
        if ref is not None and ref.startswith("assignment:"):
            await outbox.not_after(self.session, outgoing, person_id=person.id)
        row = outbox.row_for(outgoing, person_id=person.id, account=account, dedupe_key=dedupe_key)
        return await outbox.enqueue(self.session, [row])

    async def unreachable_note(
        self, person: Any, account: ChannelAccount | None, binding: Any
    ) -> int:
        """Tell the person's mentor (or leader) once that the bot cannot reach them.

        Once per person and account: the deadline engine (no account, or a blocked one)
        and the sender (a 403) share the dedupe key, so the mentor hears it one time.
        `person`: a Person, or a light row with its id and name; `binding`: the person's
        current Binding, or a light row with its mentor_id and leader_id (the deadline
        engine's).
        """
        boss_id = (binding.mentor_id or binding.leader_id) if binding else None
        if boss_id is None:
            return 0
        boss = await people_repo.person_by_id(self.session, boss_id)
        if boss is None:
            return 0
        reason = "reason-blocked" if account is not None else "reason-not-registered"
        return await self.to_person(
            boss,
            UNREACHABLE,
            ref=f"person:{person.id}",
            dedupe_key=f"unreachable:{person.id}:{account.id if account else 0}",
            name=person.name,
            reason=self.t(boss.locale)(reason),
        )

    async def account_of(self, person_id: int) -> Any:
        return (await outbox.accounts_for(self.session, [person_id])).get(person_id)
