"""Messages that go through the outbox: rendered per recipient locale at enqueue time.

Task kinds (`bot.kinds`) say how their tasks are opened, so reminders and digests can
carry the right button without the engine knowing any feature.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from storage.models import Binding, Campaign, ChannelAccount, Person

PRIORITY_URGENT = 1  # escalations, replies to a person
PRIORITY_TASK = 3  # reminders
PRIORITY_BULK = 5  # broadcasts

PUBLISHED = "task-published"  # the template of the message at publish time


def open_button(t: Translator, kind: str, assignment_id: int) -> dict[str, str] | None:
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
    ) -> int:
        """One message per assignment (publish notice or reminder), rendered per locale."""
        if not assignments:
            return 0
        if template == PUBLISHED and not Policy.from_json(campaign.policy).remind_at_publish:
            return 0  # the kind's policy says: no message at publish time
        now = self.clock.now()
        person_ids = [p for _, p in assignments]
        locales = await self._locales(person_ids)
        accounts = await outbox.accounts_for(self.session, person_ids)
        due_cache: dict[str, tuple[Translator, str]] = {}
        rows: list[dict[str, Any]] = []
        send_at = self.hold_until(now, campaign.due_at)
        for aid, pid in assignments:
            loc = locales.get(pid) or self.settings.default_locale
            if loc not in due_cache:
                t = self.t(loc)
                due_cache[loc] = (
                    t,
                    t(
                        template,
                        title=campaign_title(campaign, t.locale),
                        due=t.time(campaign.due_at),
                    ),
                )
            t, text = due_cache[loc]
            button = open_button(t, campaign.kind, aid)
            rows.append(
                outbox.row_for(
                    person_id=pid,
                    account=accounts.get(pid),
                    kind=f"task.{template}",
                    ref=f"assignment:{aid}",
                    text=text,
                    buttons=[[button]] if button else [],
                    dedupe_key=f"{dedupe}:{aid}",
                    not_before=send_at,
                    now=now,
                    priority=priority,
                )
            )
        return await outbox.enqueue(self.session, rows)

    async def _locales(self, person_ids: Sequence[int]) -> dict[int, str | None]:
        out: dict[int, str | None] = {}
        ids = list(set(person_ids))
        for i in range(0, len(ids), outbox.CHUNK):
            rows = await self.session.execute(
                select(Person.id, Person.locale).where(Person.id.in_(ids[i : i + outbox.CHUNK]))
            )
            out.update({pid: loc for pid, loc in rows.all()})
        return out

    async def to_person(
        self,
        person: Person,
        *,
        key: str,
        kind: str,
        ref: str | None,
        dedupe_key: str,
        priority: int = PRIORITY_URGENT,
        buttons: list[list[dict[str, str]]] | None = None,
        respect_quiet: bool = True,
        task_due: datetime | None = None,
        **args: Any,
    ) -> int:
        """One message to one person, rendered in their language. About a task (`ref`
        "assignment:<id>"), `task_due` is its deadline: quiet hours never hold it past that,
        and an earlier message about the task still waiting goes no later than this one
        (`outbox.not_after`): the task is told before its reminder."""
        now = self.clock.now()
        t = self.t(person.locale)
        accounts = await outbox.accounts_for(self.session, [person.id])
        send_at = self.hold_until(now, task_due) if respect_quiet else now
        if ref is not None and ref.startswith("assignment:"):
            await outbox.not_after(
                self.session, person_id=person.id, ref=ref, at=send_at, priority=priority
            )
        row = outbox.row_for(
            person_id=person.id,
            account=accounts.get(person.id),
            kind=kind,
            ref=ref,
            text=t(key, **args),
            buttons=buttons,
            dedupe_key=dedupe_key,
            not_before=send_at,
            now=now,
            priority=priority,
        )
        return await outbox.enqueue(self.session, [row])

    async def unreachable_note(
        self, person: Person, account: ChannelAccount | None, binding: Binding | None
    ) -> int:
        """Tell the person's mentor (or leader) once that the bot cannot reach them.

        Once per person and account: the deadline engine (no account, or a blocked one)
        and the sender (a 403) share the dedupe key, so the mentor hears it one time.
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
            key="esc-unreachable",
            kind="esc.unreachable",
            ref=f"person:{person.id}",
            dedupe_key=f"unreachable:{person.id}:{account.id if account else 0}",
            name=person.name,
            reason=self.t(boss.locale)(reason),
        )

    async def account_of(self, person_id: int) -> Any:
        return (await outbox.accounts_for(self.session, [person_id])).get(person_id)
