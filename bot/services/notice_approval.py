"""Approval before a force-wide notice (issue 21).

A notice to more than MUSTER_NOTICE_APPROVAL_OVER people (default 500), or one its sender
marks sensitive, needs a second office staffer's approval before it goes out. Sending such
a notice keeps it as a draft (`notice_draft`, waiting) and tells every other office staffer
(outbox, with Approve and Return buttons); the console lists the drafts too. An approver
approves it (then it is sent as the sender wrote it, the sender's message turning into its
delivery progress) or returns it with a reason, which the sender is told. Submitting,
approving and returning are audited; the sender cannot approve his own notice, and the
operator at the command line, who is nobody in particular, cannot approve at all.

The decision is one conditional UPDATE out of `waiting`: a double tap, or two approvers
at the same moment, act once; the second is told who decided first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import undefer

from bot.actions import Btn
from bot.actor import Actor
from bot.errors import DomainError, InvalidInput, NotFound
from bot.i18n import Translator
from bot.notify import Message
from bot.services.base import NotifyingService
from bot.services.notices import (
    Composed,
    NoticeService,
    NoticeView,
    SendResult,
    render_message,
)
from storage.models import Person, PersonRole, PersonStatus, Role
from storage.models_approvals import DraftStatus, NoticeDraft

MAX_REASON = 500

# at once, whatever the hour: the sender and the approvers are at work on the notice
APPROVAL_REQUEST = Message("approval-request", "notice.approval", respect_quiet=False)
TOLD_APPROVED = Message("approval-told-approved", "notice.decided", respect_quiet=False)
TOLD_RETURNED = Message("approval-told-returned", "notice.decided", respect_quiet=False)


class OwnNotice(DomainError, key="approval-error-own"): ...


class NeedsAPerson(DomainError, key="approval-error-operator"): ...


class AlreadyDecided(DomainError, key="approval-error-decided"): ...


class NoReason(DomainError, key="approval-error-no-reason"): ...


@dataclass(frozen=True, slots=True)
class Draft:
    """A notice waiting for approval, or approved or returned, as the office sees it."""

    id: int
    status: DraftStatus
    notice: NoticeView  # the message as recipients would see it (id 0)
    audience: str
    targeted: int
    sensitive: bool
    limit: int  # MUSTER_NOTICE_APPROVAL_OVER
    created_by: str  # the sender's name, or the CLI's label
    created_by_id: int | None
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    notice_id: int | None

    @property
    def over_limit(self) -> bool:
        return self.targeted > self.limit

    def mine(self, actor: Actor) -> bool:
        return actor.person is not None and actor.person.id == self.created_by_id


@dataclass(frozen=True, slots=True)
class Submitted:
    """The notice waits for approval; `approvers` office staffers were told."""

    draft_id: int
    targeted: int
    approvers: int
    draft: Draft


@dataclass(frozen=True, slots=True)
class Approved:
    draft: Draft
    sent: SendResult


@dataclass(eq=False, kw_only=True)
class NoticeApprovalService(NotifyingService):
    notices: NoticeService

    def needs_approval(self, targeted: int, sensitive: bool) -> bool:
        return sensitive or targeted > self.settings.notice_approval_over

    async def send(
        self,
        actor: Actor,
        notice: Composed,
        *,
        sensitive: bool = False,
        progress_at: tuple[Person, str] | None = None,
    ) -> SendResult | Submitted:
        """Send a notice now, or, when it needs approval, keep it as a draft and ask the
        other office staff to approve it."""
        preview = await self.notices.preview(actor, notice)
        if not self.needs_approval(preview.reach.targeted, sensitive):
            return await self.notices.send(actor, notice, progress_at=progress_at)
        now = self.clock.now()
        attachment = notice.attachment
        draft = NoticeDraft(
            status=DraftStatus.WAITING,
            audience=preview.audience,
            text=notice.text,
            title=notice.title,
            ack_by=notice.ack_by,
            attachment_name=attachment[0] if attachment else None,
            attachment=attachment[1] if attachment else None,
            sensitive=sensitive,
            targeted=preview.reach.targeted,
            created_by=actor.label,
            created_by_id=actor.person.id if actor.person else None,
            created_at=now,
            status_message_id=progress_at[1] if progress_at else None,
        )
        self.session.add(draft)
        await self.session.flush()
        await self.audit_event(
            actor,
            "notice.submitted",
            f"notice-draft:{draft.id}",
            {
                "title": preview.notice.title,
                "sha256": _sha256(preview.notice),
                "audience": preview.audience,
                "targeted": preview.reach.targeted,
                "sensitive": sensitive,
                "limit": self.settings.notice_approval_over,
            },
            at=now,
        )
        approvers = await self._approvers(exclude=draft.created_by_id)
        view = await self._view(draft)
        for person in approvers:
            await self._tell_approver(person, view)
        return Submitted(draft.id, preview.reach.targeted, len(approvers), view)

    # --- the office's views -----------------------------------------------------------

    async def waiting(self, actor: Actor) -> list[Draft]:
        """Drafts waiting for approval, oldest first (office staff)."""
        actor.require(Role.OFFICE)
        rows = await self.session.execute(
            select(NoticeDraft)
            .where(NoticeDraft.status == DraftStatus.WAITING)
            .order_by(NoticeDraft.id)
        )
        return [await self._view(d) for d in rows.scalars()]

    async def recent(self, actor: Actor, limit: int = 20) -> list[Draft]:
        """The newest drafts, decided or not (office staff)."""
        actor.require(Role.OFFICE)
        rows = await self.session.execute(
            select(NoticeDraft).order_by(NoticeDraft.id.desc()).limit(limit)
        )
        return [await self._view(d) for d in rows.scalars()]

    async def get(self, actor: Actor, draft_id: int) -> Draft:
        actor.require(Role.OFFICE)
        return await self._view(await self._draft(draft_id))

    # --- deciding ---------------------------------------------------------------------

    async def approve(self, actor: Actor, draft_id: int) -> Approved:
        """Approve another staffer's notice and send it as he wrote it."""
        draft = await self._decide(actor, draft_id, DraftStatus.APPROVED, reason=None)
        submitter = (
            await self.session.get(Person, draft.created_by_id) if draft.created_by_id else None
        )
        progress_at = (
            (submitter, draft.status_message_id)
            if submitter is not None and draft.status_message_id
            else None
        )
        content = await self.session.scalar(
            select(NoticeDraft.attachment).where(NoticeDraft.id == draft.id)
        )
        notice = Composed(
            audience=draft.audience,
            text=draft.text,
            title=draft.title,
            ack_by=draft.ack_by,
            attachment=(draft.attachment_name, content)
            if draft.attachment_name and content is not None
            else None,
        )
        sent = await self.notices.send(
            actor,
            notice,
            progress_at=progress_at,
            sensitive=draft.sensitive,
            approved=draft,
        )
        draft.notice_id = sent.notice_id
        await self.session.flush()
        view = await self._view(draft)
        await self._tell_sender(
            view,
            TOLD_APPROVED,
            approver=view.decided_by or "",
            id=sent.notice_id,
            count=sent.targeted,
        )
        return Approved(view, sent)

    async def return_draft(self, actor: Actor, draft_id: int, reason: str) -> Draft:
        """Return another staffer's notice with the reason; it is not sent."""
        reason = " ".join(reason.split())
        if not reason:
            raise NoReason()
        if len(reason) > MAX_REASON:
            raise InvalidInput("approval-error-reason-long", limit=MAX_REASON)
        draft = await self._decide(actor, draft_id, DraftStatus.RETURNED, reason=reason)
        view = await self._view(draft)
        await self._tell_sender(
            view,
            TOLD_RETURNED,
            buttons=[("btn-approval-write-again", Btn.NOTICE_NEW)],
            approver=view.decided_by or "",
            reason=reason,
        )
        return view

    async def _decide(
        self, actor: Actor, draft_id: int, status: DraftStatus, *, reason: str | None
    ) -> NoticeDraft:
        actor.require(Role.OFFICE)
        if actor.person is None:
            raise NeedsAPerson()
        draft = await self._draft(draft_id)
        if draft.created_by_id == actor.person.id:
            raise OwnNotice()
        now = self.clock.now()
        result = await self.session.execute(
            update(NoticeDraft)
            .where(NoticeDraft.id == draft_id, NoticeDraft.status == DraftStatus.WAITING)
            .values(
                status=status,
                decided_by=actor.label,
                decided_by_id=actor.person.id,
                decided_at=now,
                reason=reason,
            )
            .execution_options(synchronize_session=False)
        )
        if cast(CursorResult[Any], result).rowcount != 1:
            await self.session.refresh(draft)
            view = await self._view(draft)
            raise AlreadyDecided(status=draft.status, by=view.decided_by or "")
        await self.session.refresh(draft)
        await self.audit_event(
            actor,
            f"notice.{status.value}",
            f"notice-draft:{draft.id}",
            {
                "submitted_by": draft.created_by,
                "targeted": draft.targeted,
                "sensitive": draft.sensitive,
                **({"reason": reason} if reason else {}),
            },
            at=now,
        )
        return draft

    # --- helpers ----------------------------------------------------------------------

    async def _draft(self, draft_id: int) -> NoticeDraft:
        draft = await self.session.get(
            NoticeDraft, draft_id, options=[undefer(NoticeDraft.attachment)]
        )
        if draft is None:
            raise NotFound("approval-error-not-found", id=draft_id)
        return draft

    async def _approvers(self, *, exclude: int | None) -> list[Person]:
        """Active office staff other than the sender."""
        query = (
            select(Person)
            .join(PersonRole, PersonRole.person_id == Person.id)
            .where(PersonRole.role == Role.OFFICE.value, Person.status == PersonStatus.ACTIVE)
            .order_by(Person.id)
        )
        if exclude is not None:
            query = query.where(Person.id != exclude)
        return list((await self.session.execute(query)).scalars().unique())

    async def _view(self, draft: NoticeDraft) -> Draft:
        names = {
            pid: name
            for pid, name in await self.session.execute(
                select(Person.id, Person.name).where(
                    Person.id.in_([i for i in (draft.created_by_id, draft.decided_by_id) if i])
                )
            )
        }
        content = draft.attachment if draft.attachment_name else None
        view = self.notices.draft(
            draft.text,
            title=draft.title,
            attachment=(draft.attachment_name, content)
            if draft.attachment_name and content
            else None,
        )
        # the deadline may have passed while it waited: shown as it was written
        view = replace(view, requires_ack=draft.ack_by is not None, ack_by=draft.ack_by)
        return Draft(
            id=draft.id,
            status=DraftStatus(draft.status),
            notice=view,
            audience=draft.audience,
            targeted=draft.targeted,
            sensitive=draft.sensitive,
            limit=self.settings.notice_approval_over,
            created_by=names.get(draft.created_by_id or 0, draft.created_by),
            created_by_id=draft.created_by_id,
            created_at=draft.created_at,
            decided_by=names.get(draft.decided_by_id or 0, draft.decided_by)
            if draft.decided_by
            else None,
            decided_at=draft.decided_at,
            reason=draft.reason,
            notice_id=draft.notice_id,
        )

    async def _tell_sender(
        self,
        draft: Draft,
        message: Message,
        /,
        *,
        buttons: Sequence[tuple[str, str]] = (),
        **args: Any,
    ) -> None:
        """The decision, in the sender's chat (a notice from the CLI has nobody to tell)."""
        sender = (
            await self.session.get(Person, draft.created_by_id) if draft.created_by_id else None
        )
        if sender is None:
            return
        t = self.notifier.t(sender.locale)
        await self.notifier.to_person(
            sender,
            message,
            ref=f"notice-draft:{draft.id}",
            dedupe_key=f"notice-draft:{draft.id}:decided",
            buttons=[[{"label": t(label), "action": action}] for label, action in buttons],
            title=draft.notice.title,
            **args,
        )

    async def _tell_approver(self, person: Person, draft: Draft) -> None:
        t = self.notifier.t(person.locale)
        await self.notifier.to_person(
            person,
            APPROVAL_REQUEST,
            ref=f"notice-draft:{draft.id}",
            dedupe_key=f"notice-draft:{draft.id}:ask:{person.id}",
            buttons=approval_buttons(t, draft.id),
            who=draft.created_by,
            count=draft.targeted,
            audience=draft.audience,
            why=why(t, draft),
            message=render_message(t, draft.notice),
        )


def why(t: Translator, draft: Draft) -> str:
    """Why the draft needs approval: sensitive, more people than the limit, or both."""
    return reason_for(t, targeted=draft.targeted, sensitive=draft.sensitive, limit=draft.limit)


def reason_for(t: Translator, *, targeted: int, sensitive: bool, limit: int) -> str:
    """Why a notice needs approval ("" when it does not)."""
    if sensitive and targeted > limit:
        return t("approval-why-both", count=targeted, limit=limit)
    if sensitive:
        return t("approval-why-sensitive")
    if targeted > limit:
        return t("approval-why-count", count=targeted, limit=limit)
    return ""


def approval_buttons(t: Translator, draft_id: int) -> list[list[dict[str, str]]]:
    return [
        [
            {"label": t("btn-approval-approve"), "action": Btn.APPROVAL_APPROVE.token(draft_id)},
            {"label": t("btn-approval-return"), "action": Btn.APPROVAL_RETURN.token(draft_id)},
        ]
    ]


def _sha256(notice: NoticeView) -> str:
    return hashlib.sha256(f"{notice.title}\n{notice.body}".encode()).hexdigest()
