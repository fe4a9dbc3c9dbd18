"""Notices: the office sends a message to part of the force, sees who got it and who
acknowledged it, and nudges the rest.

Delivery goes through the outbox: one row per targeted person (ref "notice:<id>", dedupe
"notice:<id>:<person>"), created in bulk and drained by the sender at the bulk priority,
so urgent messages overtake a broadcast. While it is delivered, the office message that
shows its progress is edited every few seconds (scheduled/notices.py: ref
"notice-progress:<id>", one edit per 5 s bucket). A person without a usable account gets an
`unreachable` row: that row is how the office sees them counted. A notice that must be
acknowledged also gets a campaign with one assignment per person, so the deadline engine
reminds and escalates; acknowledging closes the assignment in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePath
from typing import Any, cast

from sqlalchemy import (
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    column,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from bot.actions import Btn, encode
from bot.actor import Actor
from bot.errors import DomainError, NotFound
from bot.i18n import LOCALES, Translator
from bot.kinds import TaskKind
from bot.notify import PRIORITY_BULK, PRIORITY_URGENT
from bot.policy import Policy
from bot.services.base import project
from bot.services.tasks import Audience, KindService
from bot.text import Markup, html, html_join, html_length
from storage import audit, outbox
from storage.db import unnest_rows
from storage.models import (
    Assignment,
    AssignmentStatus,
    AuditEvent,
    Campaign,
    CampaignKind,
    ChannelAccount,
    Outbox,
    OutboxStatus,
    Person,
    PersonStatus,
    Role,
    Unit,
)
from storage.models_approvals import DraftStatus, NoticeDraft
from storage.models_notices import Notice, NoticeAck

MESSAGE_KIND = "notice"  # outbox kind of the first delivery
NUDGE_KIND = "notice.nudge"
PROGRESS_KIND = "notice.progress"  # an edit of the office's progress message
PROGRESS_EVERY = 5  # seconds: at most one progress edit per notice this often
MAX_ATTACHMENT = 20 * 1024 * 1024  # bytes; Telegram takes 50 MB, the database row stays sane
MAX_TEXT = 3500  # escaped title + body: the message, with its header lines, stays one message
MAX_TITLE = 60  # a first line longer than this is cut for the title and kept in the body
MAX_FILENAME = 100
UNIT_BUTTONS = 40  # units offered as audience buttons; others are typed as a spec

# Built once, run on every 收到 press (building a statement costs more Python than running it)
_MINE = select(
    Notice, select(Outbox.id).where(Outbox.dedupe_key == bindparam("key")).exists()
).where(Notice.id == bindparam("id"))
# PostgreSQL: the same and the id the acknowledgment will have, so that the audit event
# recording it can go into the one statement that writes it (_ACK_ALL)
_MINE_ACK_ID = _MINE.add_columns(
    func.nextval(func.pg_get_serial_sequence("notice_ack", "id")).label("ack_id")
)
_ACK_INSERT = {
    name: mod.insert(NoticeAck)
    .values(
        notice_id=bindparam("b_notice"),
        person_id=bindparam("b_person"),
        acked_at=bindparam("b_at", type_=NoticeAck.acked_at.type),
        channel=bindparam("b_channel"),
    )
    .on_conflict_do_nothing(index_elements=["notice_id", "person_id"])
    .returning(NoticeAck.id)
    for name, mod in (("postgresql", postgresql), ("sqlite", sqlite))
}
_ASSIGNMENT = cast(Table, Assignment.__table__)
_CLOSE_TASK = (
    update(_ASSIGNMENT)
    .where(
        _ASSIGNMENT.c.campaign_id == bindparam("b_campaign"),
        _ASSIGNMENT.c.person_id == bindparam("b_person"),
        _ASSIGNMENT.c.status == AssignmentStatus.OPEN,
    )
    .values(
        status=AssignmentStatus.DONE,
        done_at=bindparam("b_at", type_=Assignment.done_at.type),
        next_action_at=None,
    )
)


def _ack_all() -> Any:
    """PostgreSQL: a press in one statement. The acknowledgment (its id chosen by _MINE_ACK_ID)
    unless the person acknowledged before, and only if it went in: the task closed and the
    audit event that records it. Returns the acknowledgment's id, or no row."""
    inserted = _ACK_INSERT["postgresql"].values(id=bindparam("b_id")).cte("inserted")
    closed = _CLOSE_TASK.where(select(inserted).exists()).cte("closed")
    event = audit.append_when(inserted).cte("event")
    return select(inserted.c.id).add_cte(closed, event)


_ACK_ALL = _ack_all()

# PostgreSQL, many presses at once (acknowledge_many): per press (notice id, outbox dedupe
# key), in the presses' order, the notice, whether it was sent to the person and the id
# their acknowledgment would have
_PRESSES = (
    func.unnest(
        bindparam("ids", type_=postgresql.ARRAY(Integer)),
        bindparam("keys", type_=postgresql.ARRAY(String)),
    )
    .table_valued(column("notice_id", Integer), column("key", String), with_ordinality="n")
    .render_derived("p")
)
_MINE_MANY = (
    select(
        _PRESSES.c.n,
        Notice,
        select(Outbox.id).where(Outbox.dedupe_key == _PRESSES.c.key).exists(),
        func.nextval(func.pg_get_serial_sequence("notice_ack", "id")),
    )
    .select_from(_PRESSES)
    .join(Notice, Notice.id == _PRESSES.c.notice_id)
)


def _ack_many(session: Any, acks: list[dict[str, Any]], events: list[dict[str, Any]]) -> Any:
    """PostgreSQL: many presses in one statement, as _ACK_ALL does one: the acknowledgments
    (a person who acknowledged before is skipped), their tasks closed, and the audit event
    of each one that went in. Returns the ids that went in."""
    acks_table = cast(Table, NoticeAck.__table__)
    inserted = (
        postgresql.insert(acks_table)
        .from_select(list(acks[0]), unnest_rows(session, acks_table, acks))
        .on_conflict_do_nothing(index_elements=["notice_id", "person_id"])
        .returning(acks_table.c.id, acks_table.c.notice_id, acks_table.c.person_id)
        .cte("inserted")
    )
    notices = cast(Table, Notice.__table__)
    closed = (
        update(_ASSIGNMENT)
        .where(
            notices.c.id == inserted.c.notice_id,
            _ASSIGNMENT.c.campaign_id == notices.c.campaign_id,
            _ASSIGNMENT.c.person_id == inserted.c.person_id,
            _ASSIGNMENT.c.status == AssignmentStatus.OPEN,
        )
        .values(status=AssignmentStatus.DONE, done_at=events[0]["at"], next_action_at=None)
        .cte("closed")
    )
    event_table = cast(Table, AuditEvent.__table__)
    src = unnest_rows(session, event_table, events, ack_id=Integer()).subquery("e")
    columns = [name for name in events[0] if name != "ack_id"]
    event = (
        event_table.insert()
        .from_select(
            columns,
            select(*(src.c[name] for name in columns)).where(
                src.c.ack_id.in_(select(inserted.c.id))
            ),
        )
        .cte("event")
    )
    return select(inserted.c.id).add_cte(closed, event)


class EmptyText(DomainError, key="notice-error-empty"): ...


class TextTooLong(DomainError, key="notice-error-too-long"): ...


class AttachmentTooLarge(DomainError, key="notice-error-attachment-too-large"): ...


class AttachmentEmpty(DomainError, key="notice-error-attachment-empty"): ...


class AckByPast(DomainError, key="notice-error-ack-past"): ...


class EmptyAudience(DomainError, key="notice-error-audience-empty"): ...


class NotTargeted(DomainError, key="notice-error-not-yours"): ...


class NoAckNeeded(DomainError, key="notice-error-no-ack"): ...


class ApprovalRequired(DomainError, key="approval-required"):
    """Issue 21: over MUSTER_NOTICE_APPROVAL_OVER people, or sensitive, a notice goes out
    only once another office staffer approved it (bot.services.notice_approval)."""


@dataclass(frozen=True, slots=True)
class Composed:
    """A notice as the office composed it: what is previewed, then sent or kept for
    approval (not yet checked: NoticeService.draft says what is wrong with it)."""

    audience: str  # an audience spec (bot.services.tasks.Audience.parse)
    text: str  # the first line is the title unless `title` is given
    title: str | None = None
    ack_by: datetime | None = None  # to be acknowledged by then; None: no acknowledgment
    attachment: tuple[str, bytes] | None = None  # (file name, content)


@dataclass(frozen=True, slots=True)
class NoticeView:
    """What a recipient's message is rendered from (id 0: a draft not yet sent)."""

    id: int
    title: str
    body: str
    requires_ack: bool
    ack_by: datetime | None
    attachment_name: str | None
    attachment_size: int | None
    created_at: datetime | None = None
    created_by: str = ""
    targeted: int = 0
    nudges: int = 0

    @classmethod
    def of(cls, n: Notice) -> NoticeView:
        return project(cls, n)


@dataclass(frozen=True, slots=True)
class Reach:
    """How many people an audience has, and how many of them the bot cannot reach."""

    targeted: int
    no_account: int  # never bound an account (or unbound it)
    blocked: int  # bound, but the bot was blocked

    @property
    def reachable(self) -> int:
        return self.targeted - self.no_account - self.blocked


@dataclass(frozen=True, slots=True)
class Preview:
    notice: NoticeView
    audience: str  # the normalized spec
    reach: Reach


@dataclass(frozen=True, slots=True)
class SendResult:
    notice_id: int
    targeted: int
    queued: int  # rows the sender will deliver
    unreachable: int  # rows recorded as not reachable right away
    assigned: int  # acknowledgment tasks created


@dataclass(frozen=True, slots=True)
class AckResult:
    notice: NoticeView
    acked_at: datetime
    new: bool  # False: it had been acknowledged before (a second press)


@dataclass(frozen=True, slots=True)
class Opened:
    """A notice as one recipient sees it now."""

    notice: NoticeView
    acked_at: datetime | None


@dataclass(frozen=True, slots=True)
class Counts:
    """Delivery and acknowledgment counts of one unit (or of the whole notice)."""

    unit: str
    targeted: int = 0
    delivered: int = 0
    pending: int = 0  # not yet tried, or being retried
    failed: int = 0
    unreachable: int = 0  # no account, or the bot was blocked
    no_account: int = 0  # of `unreachable`: never bound
    acknowledged: int = 0
    excused: int = 0  # the acknowledgment task excused (by a mentor, with a reason)

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.unit,
            *(getattr(self, f) + getattr(other, f) for f in _COUNT_FIELDS),
        )


_COUNT_FIELDS = (
    "targeted",
    "delivered",
    "pending",
    "failed",
    "unreachable",
    "no_account",
    "acknowledged",
    "excused",
)


@dataclass(frozen=True, slots=True)
class NoticeStats:
    notice: NoticeView
    total: Counts
    units: list[Counts]  # most not-acknowledged (or undelivered) first
    nudged: int  # nudge messages delivered, all rounds


@dataclass(frozen=True, slots=True)
class Progress:
    """Where the delivery of a notice (or of one nudge round) stands."""

    total: int
    sent: int
    pending: int
    failed: int
    unreachable: int
    acknowledged: int

    @property
    def done(self) -> bool:
        return self.pending == 0


@dataclass(frozen=True, slots=True)
class ProgressShown:
    """A notice whose progress message is due a refresh."""

    notice_id: int
    person_id: int  # the office staffer who sent it from the chat
    locale: str | None
    message_id: str
    final: bool  # delivery is over: this is its last refresh


@dataclass(frozen=True, slots=True)
class NudgePlan:
    notice: NoticeView
    reachable: int  # will get the reminder
    unreachable: int  # not acknowledged, but the bot cannot reach them
    in_delivery: int  # their message is still on its way: not nudged now


@dataclass(frozen=True, slots=True)
class NudgeResult:
    notice_id: int
    round: int
    queued: int
    unreachable: int
    in_delivery: int


# --- rendering of the recipient's message (the outbox stores it rendered) --------------


def render_message(t: Translator, notice: NoticeView, *, nudge: bool = False) -> Markup:
    """The message a recipient gets, in their language around the office's own text."""
    parts = []
    if nudge:
        parts.append(t("notice-nudge-prefix"))
    title, body = shown_parts(notice.title, notice.body)
    head = t("notice-message-title", title=title)
    parts.append(html("{}\n\n{}", head, body) if body else head)
    if notice.requires_ack:
        if notice.ack_by is not None:
            parts.append(t("notice-ack-line", due=t.time(notice.ack_by)))
        else:
            parts.append(t("notice-ack-line-open"))
    if notice.attachment_name:
        parts.append(
            t(
                "notice-attachment-line",
                name=notice.attachment_name,
                size=human_size(notice.attachment_size or 0),
            )
        )
    return html_join(parts, "\n\n")


def message_buttons(
    t: Translator, notice: NoticeView, *, nudge: bool = False, acked_at: datetime | None = None
) -> list[list[dict[str, str]]]:
    """The recipient's buttons: "Received" (or when it was acknowledged), the attachment."""
    rows: list[list[dict[str, str]]] = []
    if notice.requires_ack:
        if acked_at is None:
            args: tuple[object, ...] = (notice.id, 1) if nudge else (notice.id,)
            rows.append([{"label": t("btn-notice-ack"), "action": encode("nt", "ack", *args)}])
        else:
            at = acked_at.astimezone(t.tz).strftime("%H:%M")
            rows.append(
                [
                    {
                        "label": t("btn-notice-acked", time=at),
                        "action": encode("nt", "done", notice.id),
                    }
                ]
            )
    if notice.attachment_name:
        rows.append(
            [
                {
                    "label": t("btn-notice-file", name=notice.attachment_name[:40]),
                    "action": encode("nt", "file", notice.id),
                }
            ]
        )
    return rows


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


def split_title(text: str, title: str | None = None) -> tuple[str, str]:
    """(title, body): the given title and the whole text, or the first line and the rest."""
    text = text.replace("\r\n", "\n").strip()
    if title and title.strip():
        return " ".join(title.split())[:200], text
    first, _, rest = text.partition("\n")
    first = " ".join(first.split())
    if len(first) > MAX_TITLE:
        return first[: MAX_TITLE - 1] + "…", text
    return first, rest.strip("\n")


def shown_parts(title: str, body: str) -> tuple[str, str]:
    """(head, body) as the message shows them: a title cut from a long first line is
    shown as that whole line, once, not the cut and then the same text again."""
    first, _, rest = body.partition("\n")
    first = " ".join(first.split())
    if title.endswith("…") and len(first) > MAX_TITLE and first[: MAX_TITLE - 1] == title[:-1]:
        return first, rest.strip("\n")
    return title, body


def task_title(title: str) -> str:
    """The title as the deadline engine shows it. Reminders and digests put campaign titles
    into HTML unescaped (pledge titles come from trusted files), so the markup characters
    of an office-typed title become look-alikes there."""
    return title.translate(_LOOKALIKES)


_LOOKALIKES = str.maketrans({"<": "‹", ">": "›", "&": "＆"})


def ref_of(notice_id: int) -> str:
    return f"notice:{notice_id}"


def progress_ref(notice_id: int) -> str:
    return f"notice-progress:{notice_id}"


def _acknowledged(campaign: Campaign) -> Select[Any]:
    """Notice done = acknowledged."""
    return select(NoticeAck.person_id).where(NoticeAck.notice_id == campaign.ref_id)


KIND = TaskKind(
    CampaignKind.NOTICE.value,
    open_route=Btn.NOTICE_OPEN,
    # the notice itself is the message at publish time
    policy=Policy(remind_at_publish=False, remind_before_h=(2,)),
    not_yours=NotTargeted,
    done_people=_acknowledged,
)


class NoticeService(KindService):
    kind = KIND

    # --- drafting and sending (office staff) -------------------------------------------

    def draft(
        self,
        text: str,
        *,
        title: str | None = None,
        ack_by: datetime | None = None,
        attachment: tuple[str, bytes] | None = None,
    ) -> NoticeView:
        """Check a notice before it is previewed or sent; raise what is wrong with it."""
        head, body = split_title(text, title)
        if not head:
            raise EmptyText()
        length = sum(html_length(part) for part in shown_parts(head, body))
        if length > MAX_TEXT:
            raise TextTooLong(limit=MAX_TEXT, length=length)
        if ack_by is not None and ack_by <= self.clock.now():
            raise AckByPast()
        name = size = None
        if attachment is not None:
            raw_name, content = attachment
            if len(content) > MAX_ATTACHMENT:
                raise AttachmentTooLarge(
                    size=human_size(len(content)), limit=human_size(MAX_ATTACHMENT)
                )
            if not content:
                raise AttachmentEmpty()
            name = PurePath(raw_name.replace("\\", "/")).name[-MAX_FILENAME:] or "attachment"
            size = len(content)
        return NoticeView(
            id=0,
            title=head,
            body=body,
            requires_ack=ack_by is not None,
            ack_by=ack_by,
            attachment_name=name,
            attachment_size=size,
        )

    async def reach(self, audience: Audience) -> Reach:
        """Count an audience and those of them without a usable account."""
        where = await self.tasks.audience_filter(audience)
        active = and_(ChannelAccount.person_id == Person.id, ChannelAccount.unbound_at.is_(None))
        any_account = exists().where(active)
        usable = exists().where(active, ChannelAccount.reachable.is_(True))
        row = (
            await self.session.execute(
                select(
                    func.count(),
                    func.sum(case((~any_account, 1), else_=0)),
                    func.sum(case((and_(any_account, ~usable), 1), else_=0)),
                )
                .select_from(Person)
                .where(where)
            )
        ).one()
        return Reach(int(row[0]), int(row[1] or 0), int(row[2] or 0))

    async def audience(self, actor: Actor, spec: str) -> tuple[str, Reach]:
        """The normalized audience spec and how many it reaches; nobody -> refused."""
        actor.require(Role.OFFICE)
        aud = Audience.parse(spec)
        reach = await self.reach(aud)
        if reach.targeted == 0:
            raise EmptyAudience(spec=aud.describe())
        return aud.describe(), reach

    def _checked(self, notice: Composed) -> tuple[Audience, NoticeView]:
        """The composed notice's audience and the notice as recipients will see it; raise
        what is wrong with either."""
        audience = Audience.parse(notice.audience)
        view = self.draft(
            notice.text, title=notice.title, ack_by=notice.ack_by, attachment=notice.attachment
        )
        return audience, view

    async def preview(self, actor: Actor, notice: Composed) -> Preview:
        """The notice as recipients will see it, with the audience and unbound counts."""
        actor.require(Role.OFFICE)
        aud, view = self._checked(notice)
        reach = await self.reach(aud)
        if reach.targeted == 0:
            raise EmptyAudience(spec=aud.describe())
        return Preview(view, aud.describe(), reach)

    async def send(
        self,
        actor: Actor,
        notice: Composed,
        *,
        progress_at: tuple[Person, str] | None = None,
        sensitive: bool = False,
        approved: NoticeDraft | None = None,
    ) -> SendResult:
        """Create the notice and one outbox row per targeted person; with a deadline, a
        campaign whose assignments the deadline engine escalates. `progress_at`: the
        sender's message (person, message id) that shows the progress, kept up to date.
        A notice that needs approval (sensitive, or over the limit) is refused unless
        `approved` is its draft, approved by another office staffer."""
        actor.require(Role.OFFICE)
        aud, view = self._checked(notice)
        ack_by, attachment = notice.ack_by, notice.attachment
        now = self.clock.now()
        where = await self.tasks.audience_filter(aud)
        people = (
            await self.session.execute(
                select(Person.id, Person.locale).where(where).order_by(Person.id)
            )
        ).all()
        if not people:
            raise EmptyAudience(spec=aud.describe())
        limit = self.settings.notice_approval_over
        if approved is None and (sensitive or len(people) > limit):
            raise ApprovalRequired(count=len(people), limit=limit)
        if approved is not None and approved.status != DraftStatus.APPROVED:
            raise ApprovalRequired(count=len(people), limit=limit)
        created = Notice(
            title=view.title,
            body=view.body,
            attachment_name=view.attachment_name,
            attachment_size=view.attachment_size,
            attachment=attachment[1] if attachment else None,
            audience=aud.to_json(),
            requires_ack=view.requires_ack,
            ack_by=ack_by,
            targeted=len(people),
            nudges=0,
            created_by=approved.created_by if approved else actor.label,
            created_at=now,
            status_person_id=progress_at[0].id if progress_at else None,
            status_message_id=progress_at[1] if progress_at else None,
        )
        self.session.add(created)
        await self.session.flush()
        assigned = 0
        if view.requires_ack:
            campaign = await self.tasks.create_campaign(
                kind=KIND.name,
                ref_key=ref_of(created.id),
                ref_id=created.id,
                titles=dict.fromkeys(LOCALES, task_title(view.title)),
                audience=aud,
                due_at=ack_by,
                policy=self.policy,
                created_by=actor.label,
            )
            created.campaign_id = campaign.id
            # the notice is its own message: the task is given quietly
            assigned = len(await self.tasks.give(KIND, campaign, announce=False))
        queued, unreachable = await self._enqueue(
            replace(view, id=created.id), [(p.id, p.locale) for p in people], nudge=0
        )
        await self.audit_event(
            actor,
            "notice.sent",
            ref_of(created.id),
            {
                "title": view.title,
                "sha256": hashlib.sha256(f"{view.title}\n{view.body}".encode()).hexdigest(),
                "audience": aud.describe(),
                "targeted": len(people),
                "ack_by": ack_by.isoformat() if ack_by else None,
                "attachment": view.attachment_name,
                "attachment_sha256": (
                    hashlib.sha256(attachment[1]).hexdigest() if attachment else None
                ),
                **({"draft": approved.id, "approved_by": approved.decided_by} if approved else {}),
            },
            at=now,
        )
        await self.session.flush()
        return SendResult(created.id, len(people), queued, unreachable, assigned)

    async def _enqueue(
        self, notice: NoticeView, people: Sequence[tuple[int, str | None]], *, nudge: int
    ) -> tuple[int, int]:
        """Outbox rows for `people`: the text rendered once per locale. (queued, unreachable)"""
        now = self.clock.now()
        accounts = await outbox.accounts_for(self.session, [pid for pid, _ in people])
        rendered: dict[str, outbox.Outgoing] = {}
        rows: list[dict[str, Any]] = []
        ref = ref_of(notice.id)
        for pid, locale in people:
            loc = locale or self.settings.default_locale
            if loc not in rendered:
                t = self.notifier.t(loc)
                rendered[loc] = outbox.Outgoing(
                    kind=NUDGE_KIND if nudge else MESSAGE_KIND,
                    ref=ref,
                    text=render_message(t, notice, nudge=bool(nudge)),
                    buttons=message_buttons(t, notice, nudge=bool(nudge)),
                    not_before=now,  # the office chose the moment: no quiet hours
                    now=now,
                    priority=PRIORITY_BULK,
                )
            rows.append(
                outbox.row_for(
                    rendered[loc],
                    person_id=pid,
                    account=accounts.get(pid),
                    dedupe_key=f"{ref}:{pid}:nudge:{nudge}" if nudge else f"{ref}:{pid}",
                )
            )
        await outbox.enqueue(self.session, rows)
        unreachable = sum(1 for r in rows if r["status"] == OutboxStatus.UNREACHABLE)
        return len(rows) - unreachable, unreachable

    # --- recipients ---------------------------------------------------------------------

    async def _notice(self, notice_id: int) -> Notice:
        notice = await self.session.get(Notice, notice_id)
        if notice is None:
            raise NotFound("notice-error-not-found", id=notice_id)
        return notice

    async def _ack_of(self, notice_id: int, person_id: int) -> datetime | None:
        return await self.session.scalar(
            select(NoticeAck.acked_at).where(
                NoticeAck.notice_id == notice_id, NoticeAck.person_id == person_id
            )
        )

    async def _mine(self, person: Person, notice_id: int) -> Notice:
        notice: Notice = (await self._mine_row(person, notice_id, _MINE))[0]
        return notice

    async def _mine_row(self, person: Person, notice_id: int, query: Any) -> Any:
        # the notice and whether it was sent to the person, in one round trip: the first
        # delivery row exists for everyone targeted (unreachable ones included); `query`
        # is _MINE or _MINE_ACK_ID (which adds the acknowledgment's id to be)
        key = f"{ref_of(notice_id)}:{person.id}"
        row = (await self.session.execute(query, {"id": notice_id, "key": key})).first()
        if row is None or not row[1]:
            raise NotTargeted()
        return row

    async def opened(self, person: Person, notice_id: int) -> Opened:
        """A notice sent to the person, with their acknowledgment if any."""
        notice = await self._mine(person, notice_id)
        return Opened(NoticeView.of(notice), await self._ack_of(notice_id, person.id))

    async def opened_by_assignment(self, person: Person, assignment_id: int) -> Opened:
        """The notice behind an acknowledgment task ("My tasks", a reminder's button)."""
        notice_id = await self.session.scalar(
            select(Campaign.ref_id)
            .join(Assignment, Assignment.campaign_id == Campaign.id)
            .where(
                Assignment.id == assignment_id,
                Assignment.person_id == person.id,
                Campaign.kind == KIND.name,
            )
        )
        if notice_id is None:
            raise NotTargeted()
        return await self.opened(person, notice_id)

    async def acknowledge(self, person: Person, notice_id: int, *, channel: str) -> AckResult:
        """Record that the person got the notice and close their task; a second press, or
        two at once (two devices), changes nothing and returns the first time.

        PostgreSQL: two statements, the notice (with the acknowledgment's id to be) and
        _ACK_ALL; the unique key keeps the first press, quietly. SQLite: its evidence
        trigger refuses any insert colliding with a row (it stops INSERT OR REPLACE), so it
        looks first, then writes the acknowledgment, the task and the event one by one."""
        pg = self.session.get_bind().dialect.name == "postgresql"
        row = await self._mine_row(person, notice_id, _MINE_ACK_ID if pg else _MINE)
        notice = row[0]
        view = NoticeView.of(notice)
        if not notice.requires_ack:
            raise NoAckNeeded()
        if not pg and (before := await self._ack_of(notice_id, person.id)) is not None:
            return AckResult(view, before, new=False)
        now = self.clock.now()
        ack = {"notice_id": notice_id, "person_id": person.id, "acked_at": now, "channel": channel}
        params = {
            "b_notice": notice_id,
            "b_person": person.id,
            "b_at": now,
            "b_channel": channel,
            "b_campaign": notice.campaign_id,
        }
        if pg:
            event = audit.event_values(**self._ack_event(person, notice_id, row.ack_id, ack))
            params |= {"b_id": row.ack_id, **{f"ev_{k}": v for k, v in event.items()}}
            written = await self.session.scalar(_ACK_ALL, params)
        else:
            written = await self.session.scalar(_ACK_INSERT["sqlite"], params)
            if written is not None:
                await self.session.execute(_CLOSE_TASK, params)
                await audit.append(
                    self.session, **self._ack_event(person, notice_id, written, ack)
                )
        if written is None:  # pressed before, or at the same moment elsewhere
            first = await self._ack_of(notice_id, person.id)
            return AckResult(view, first or now, new=False)
        return AckResult(view, now, new=True)

    async def acknowledge_many(
        self, presses: Sequence[tuple[Person, int, str]]
    ) -> list[AckResult | None]:
        """PostgreSQL: many people's first presses at once (a group commit of 收到 presses,
        see bot.conversation), each (person, notice id, channel). Per press its result, or
        None where nothing was written and `acknowledge` must answer it alone: the notice
        was not sent to the person or needs no acknowledgment, or they had acknowledged it.
        Three round trips whatever their number: the notices, the write, and the caller's
        commit."""
        keys = [f"{ref_of(notice_id)}:{person.id}" for person, notice_id, _ in presses]
        found = await self.session.execute(
            _MINE_MANY, {"ids": [notice_id for _, notice_id, _ in presses], "keys": keys}
        )
        now = self.clock.now()
        acks: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        views: dict[int, tuple[int, NoticeView]] = {}  # ack id -> (press, notice)
        for n, notice, targeted, ack_id in found:
            person, notice_id, channel = presses[n - 1]
            if not targeted or not notice.requires_ack:
                continue
            ack = {
                "notice_id": notice_id,
                "person_id": person.id,
                "acked_at": now,
                "channel": channel,
            }
            acks.append({"id": ack_id, **ack})
            event = self._ack_event(person, notice_id, ack_id, ack)
            events.append({"ack_id": ack_id, **audit.event_values(**event)})
            views[ack_id] = (n - 1, NoticeView.of(notice))
        results: list[AckResult | None] = [None] * len(presses)
        if acks:
            written = await self.session.scalars(_ack_many(self.session, acks, events))
            for ack_id in written:
                i, view = views[ack_id]
                results[i] = AckResult(view, now, new=True)
        return results

    @staticmethod
    def _ack_event(
        person: Person, notice_id: int, ack_id: int, ack: dict[str, Any]
    ) -> audit.NewEvent:
        """The audit event of an acknowledgment (the arguments of audit.append)."""
        return {
            "at": ack["acked_at"],
            "actor": f"person:{person.employee_no}",
            "kind": "notice.acked",
            "subject": ref_of(notice_id),
            "payload": {"employee_no": person.employee_no, "channel": ack["channel"]},
            "evidence": [audit.Evidence.row("notice_ack", {"id": ack_id, **ack})],
        }

    async def attachment(self, person: Person, notice_id: int) -> tuple[str, str, bytes]:
        """(notice title, file name, content), for a recipient of the notice or office staff."""
        if person.has_role(Role.OFFICE):
            notice = await self._notice(notice_id)
        else:
            notice = await self._mine(person, notice_id)
        content = await self.session.scalar(
            select(Notice.attachment).where(Notice.id == notice.id)
        )
        if not notice.attachment_name or content is None:
            raise NotFound("notice-error-no-attachment")
        return notice.title, notice.attachment_name, content

    # --- office views ---------------------------------------------------------------------

    async def get(self, actor: Actor, notice_id: int) -> NoticeView:
        actor.require(Role.OFFICE)
        return NoticeView.of(await self._notice(notice_id))

    async def recent(self, actor: Actor, limit: int = 10) -> list[tuple[NoticeView, Progress]]:
        """The newest notices with their delivery and acknowledgment counts."""
        actor.require(Role.OFFICE)
        notices = (
            (await self.session.execute(select(Notice).order_by(Notice.id.desc()).limit(limit)))
            .scalars()
            .all()
        )
        return [(NoticeView.of(n), await self._progress(n.id, n.targeted)) for n in notices]

    async def units(self, actor: Actor) -> list[tuple[int, str]]:
        """Units to offer as audience buttons: the top two levels, by name."""
        actor.require(Role.OFFICE)
        rows = (await self.session.execute(select(Unit.id, Unit.name, Unit.parent_id))).all()
        roots = {u.id for u in rows if u.parent_id is None}
        top = [(u.id, u.name) for u in rows if u.parent_id is None or u.parent_id in roots]
        return sorted(top, key=lambda u: (u[0] not in roots, u[1]))[:UNIT_BUTTONS]

    async def unit_name(self, actor: Actor, unit_id: int) -> str:
        actor.require(Role.OFFICE)
        name = await self.session.scalar(select(Unit.name).where(Unit.id == unit_id))
        if name is None:
            raise NotFound()
        return name

    async def progress(
        self, actor: Actor, notice_id: int, *, nudge_round: int | None = None
    ) -> Progress:
        """Delivery counts of the notice (or of one nudge round) and acknowledgments."""
        actor.require(Role.OFFICE)
        notice = await self._notice(notice_id)
        return await self._progress(notice.id, notice.targeted, nudge_round=nudge_round)

    async def _progress(
        self, notice_id: int, targeted: int, *, nudge_round: int | None = None
    ) -> Progress:
        ref = ref_of(notice_id)
        query = select(Outbox.status, func.count()).where(Outbox.ref == ref)
        if nudge_round is None:
            query = query.where(Outbox.kind == MESSAGE_KIND)
        else:
            query = query.where(
                Outbox.kind == NUDGE_KIND, Outbox.dedupe_key.like(f"{ref}:%:nudge:{nudge_round}")
            )
        by_status = dict((await self.session.execute(query.group_by(Outbox.status))).all())
        acked = await self.session.scalar(
            select(func.count()).select_from(NoticeAck).where(NoticeAck.notice_id == notice_id)
        )
        total = sum(by_status.values()) if nudge_round is not None else targeted
        return Progress(
            total=total,
            sent=by_status.get(OutboxStatus.SENT, 0),
            pending=sum(by_status.get(s, 0) for s in (OutboxStatus.PENDING, OutboxStatus.SENDING)),
            failed=by_status.get(OutboxStatus.FAILED, 0),
            unreachable=by_status.get(OutboxStatus.UNREACHABLE, 0),
            acknowledged=int(acked or 0),
        )

    async def stats(self, actor: Actor, notice_id: int) -> NoticeStats:
        """Per unit: targeted, delivered, pending, failed, not reachable, acknowledged."""
        actor.require(Role.OFFICE)
        notice = await self._notice(notice_id)
        ref = ref_of(notice_id)
        reminder = aliased(Outbox)
        # Someone unreachable when it was sent may have registered since: once they
        # acknowledged it or a reminder reached them, they got it; once bound, they are
        # no longer "not registered".
        got_it_later = or_(
            exists().where(
                NoticeAck.notice_id == notice_id, NoticeAck.person_id == Outbox.person_id
            ),
            exists().where(
                reminder.ref == ref,
                reminder.kind == NUDGE_KIND,
                reminder.status == OutboxStatus.SENT,
                reminder.person_id == Outbox.person_id,
            ),
        )
        bound_now = exists().where(
            ChannelAccount.person_id == Outbox.person_id, ChannelAccount.unbound_at.is_(None)
        )
        status_now = case(
            (
                and_(Outbox.status == OutboxStatus.UNREACHABLE, got_it_later),
                OutboxStatus.SENT,
            ),
            else_=Outbox.status,
        )
        rows = await self.session.execute(
            select(
                Unit.name,
                status_now,
                func.count(),
                func.sum(case((bound_now, 0), else_=1)),
            )
            .join(Person, Person.id == Outbox.person_id)
            .join(Unit, Unit.id == Person.unit_id)
            .where(Outbox.ref == ref, Outbox.kind == MESSAGE_KIND)
            .group_by(Unit.name, status_now)
        )
        counts: dict[str, dict[str, int]] = {}
        for unit, status, n, no_account in rows.all():
            c = counts.setdefault(unit, dict.fromkeys(_COUNT_FIELDS, 0))
            c["targeted"] += n
            if status == OutboxStatus.SENT:
                c["delivered"] += n
            elif status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
                c["pending"] += n
            elif status == OutboxStatus.FAILED:
                c["failed"] += n
            elif status == OutboxStatus.UNREACHABLE:
                c["unreachable"] += n
                c["no_account"] += int(no_account or 0)
        acks = await self.session.execute(
            select(Unit.name, func.count())
            .select_from(NoticeAck)
            .join(Person, Person.id == NoticeAck.person_id)
            .join(Unit, Unit.id == Person.unit_id)
            .where(NoticeAck.notice_id == notice_id)
            .group_by(Unit.name)
        )
        for unit, n in acks.all():
            counts.setdefault(unit, dict.fromkeys(_COUNT_FIELDS, 0))["acknowledged"] += n
        if notice.campaign_id is not None:
            excused = await self.session.execute(
                select(Unit.name, func.count())
                .select_from(Assignment)
                .join(Person, Person.id == Assignment.person_id)
                .join(Unit, Unit.id == Person.unit_id)
                .where(
                    Assignment.campaign_id == notice.campaign_id,
                    Assignment.status == AssignmentStatus.EXCUSED,
                )
                .group_by(Unit.name)
            )
            for unit, n in excused.all():
                counts.setdefault(unit, dict.fromkeys(_COUNT_FIELDS, 0))["excused"] += n
        units = [Counts(unit, **c) for unit, c in counts.items()]
        if notice.requires_ack:
            units.sort(key=lambda u: (-(u.targeted - u.acknowledged), u.unit))
        else:
            units.sort(key=lambda u: (-(u.targeted - u.delivered), u.unit))
        total = Counts("")
        for u in units:
            total += u
        nudged = await self.session.scalar(
            select(func.count())
            .select_from(Outbox)
            .where(
                Outbox.ref == ref, Outbox.kind == NUDGE_KIND, Outbox.status == OutboxStatus.SENT
            )
        )
        return NoticeStats(NoticeView.of(notice), total, units, int(nudged or 0))

    # --- the office's progress message -------------------------------------------------

    async def progress_due(self, actor: Actor) -> list[ProgressShown]:
        """Notices whose progress message is due a refresh: still being delivered, or just
        delivered and not refreshed since. Not while an earlier refresh waits to be sent
        (a 429 pause must not pile them up)."""
        actor.require(Role.OFFICE)
        rows = (
            await self.session.execute(
                select(Notice, Person.locale)
                .join(Person, Person.id == Notice.status_person_id)
                .where(Notice.status_message_id.is_not(None))
                .order_by(Notice.id)
            )
        ).all()
        due: list[ProgressShown] = []
        open_ = [OutboxStatus.PENDING, OutboxStatus.SENDING]
        for notice, locale in rows:
            last = (
                await self.session.execute(
                    select(Outbox.status, Outbox.external_message_id)
                    .where(Outbox.ref == progress_ref(notice.id))
                    .order_by(Outbox.id.desc())
                    .limit(1)
                )
            ).one_or_none()
            if last is not None and last.status in open_:
                continue
            if last is not None and last.external_message_id:
                # the edit was sent as a new message (the old one was deleted...): follow it
                notice.status_message_id = last.external_message_id
            delivering = await self.session.scalar(
                select(exists().where(Outbox.ref == ref_of(notice.id), Outbox.status.in_(open_)))
            )
            assert notice.status_person_id is not None  # joined on it above
            assert notice.status_message_id is not None  # filtered on it above
            due.append(
                ProgressShown(
                    notice.id,
                    notice.status_person_id,
                    locale,
                    notice.status_message_id,
                    final=not delivering,
                )
            )
        await self.session.flush()
        return due

    async def show_progress(
        self, actor: Actor, shown: ProgressShown, text: str, buttons: list[list[dict[str, str]]]
    ) -> int:
        """Queue an edit of the progress message to `text`; after the final one, the notice
        no longer asks for refreshes. Return the rows queued (0: done in this 5 s already)."""
        actor.require(Role.OFFICE)
        notice = await self._notice(shown.notice_id)
        now = self.clock.now()
        account = (await outbox.accounts_for(self.session, [shown.person_id])).get(shown.person_id)
        if account is None or not account.reachable:
            notice.status_message_id = None  # nowhere to show it
            await self.session.flush()
            return 0
        bucket = int(now.timestamp()) // PROGRESS_EVERY
        row = outbox.row_for(
            outbox.Outgoing(
                kind=PROGRESS_KIND,
                ref=progress_ref(notice.id),
                text=text,
                buttons=buttons,
                not_before=now,
                now=now,
                priority=PRIORITY_URGENT,
            ),
            person_id=shown.person_id,
            account=account,
            dedupe_key=f"{progress_ref(notice.id)}:{bucket}",
            edit_message_id=shown.message_id,
        )
        queued = await outbox.enqueue(self.session, [row], replace_pending=True)
        if queued and shown.final:
            notice.status_message_id = None
        await self.session.flush()
        return queued

    # --- nudging ------------------------------------------------------------------------

    async def _nudge_targets(
        self, notice: Notice
    ) -> tuple[list[tuple[int, str | None]], list[int], int]:
        """(people to nudge with their locale, unreachable ones, still in delivery)."""
        if not notice.requires_ack or notice.campaign_id is None:
            raise NoAckNeeded()
        ref = ref_of(notice.id)
        busy = select(Outbox.person_id).where(
            Outbox.ref == ref,
            Outbox.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
        # An open task = targeted, not acknowledged, not excused, and still in the force.
        rows = (
            await self.session.execute(
                select(Person.id, Person.locale, Person.id.in_(busy))
                .join(Assignment, Assignment.person_id == Person.id)
                .where(
                    Assignment.campaign_id == notice.campaign_id,
                    Assignment.status == AssignmentStatus.OPEN,
                    Person.status == PersonStatus.ACTIVE,
                )
                .order_by(Person.id)
            )
        ).all()
        waiting = [(pid, loc) for pid, loc, in_delivery in rows if not in_delivery]
        in_delivery = len(rows) - len(waiting)
        accounts = await outbox.accounts_for(self.session, [pid for pid, _ in waiting])
        usable = {pid for pid, acc in accounts.items() if acc.reachable}
        reachable = [(pid, loc) for pid, loc in waiting if pid in usable]
        unreachable = [pid for pid, _ in waiting if pid not in usable]
        return reachable, unreachable, in_delivery

    async def nudge_plan(self, actor: Actor, notice_id: int) -> NudgePlan:
        """Who a nudge would reach now."""
        actor.require(Role.OFFICE)
        notice = await self._notice(notice_id)
        reachable, unreachable, in_delivery = await self._nudge_targets(notice)
        return NudgePlan(NoticeView.of(notice), len(reachable), len(unreachable), in_delivery)

    async def nudge(self, actor: Actor, notice_id: int) -> NudgeResult:
        """Send the notice again, marked as a reminder, to those who have not acknowledged
        it and can be reached."""
        actor.require(Role.OFFICE)
        notice = await self._notice(notice_id)
        reachable, unreachable, in_delivery = await self._nudge_targets(notice)
        round_ = notice.nudges + 1
        queued = 0
        if reachable:
            notice.nudges = round_
            queued, _ = await self._enqueue(NoticeView.of(notice), reachable, nudge=round_)
        await self.audit_event(
            actor,
            "notice.nudged",
            ref_of(notice_id),
            {"round": round_, "queued": queued, "unreachable": len(unreachable)},
        )
        await self.session.flush()
        return NudgeResult(
            notice_id,
            round_ if reachable else notice.nudges,
            queued,
            len(unreachable),
            in_delivery,
        )
