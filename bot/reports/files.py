"""The office's export files as documents: one place that makes each, for the console's
downloads and the chat (sent as a file: Telegram sendDocument, a WeCom file message, a
download in the web chat). They are the files the CLI writes, through the same writers
(bot/reports, bot/sheets); every service call checks the role.

Files hold text, not markup: each takes the caller's translator as plain text
(`Translator.text_only()`), so a name with "&" is written "&", not "&amp;".
"""

from __future__ import annotations

import inspect
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.actor import Actor
from bot.core import Document
from bot.i18n import Translator
from bot.services import Services
from bot.services.checkins import Week
from bot.sheets.writer import Column, Workbook, write_csv

GAPS_WINDOW = timedelta(days=90)  # the hotline gaps a file covers, as the console page
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ESCALATION_COLUMNS = (
    "office-esc-col-unit",
    "office-esc-col-name",
    "office-esc-col-employee-no",
    "office-esc-col-task",
    "office-esc-col-level",
    "office-esc-col-due",
    "office-esc-col-since",
    "office-esc-col-notified",
)


async def _written(name: str, write: Callable[[Path], Any]) -> Document:
    """A file a writer (plain or async) puts on disk, read back as a document."""
    with tempfile.TemporaryDirectory(prefix="muster-export-") as folder:
        path = Path(folder) / name
        done = write(path)
        if inspect.isawaitable(done):
            await done
        return Document(name, path.read_bytes())


async def roster(svc: Services, actor: Actor) -> Document:
    """Everyone, with current mentor and leader, in the import format (muster roster export)."""
    return await _written("roster.xlsx", lambda path: svc.roster.export(actor, path))


async def pledge(svc: Services, actor: Actor, key: str, t: Translator, now: datetime) -> Document:
    """One row per person assigned the pledge's newest version (muster pledge export)."""
    from bot.reports.pledge_export import write_pledge_export  # noqa: PLC0415

    rows = await svc.pledges.export_rows(actor, key)
    version = await svc.pledges.latest_version(key)
    text = t.text_only()
    return await _written(
        f"pledge-{key}-v{version}.xlsx",
        lambda path: write_pledge_export(path, rows, t=text, version=version, now=now),
    )


async def training(
    svc: Services, actor: Actor, key: str, t: Translator, now: datetime
) -> Document:
    """One row per person assigned the module (muster training export)."""
    from bot.reports.training_export import write_export  # noqa: PLC0415

    rows = await svc.training.export_rows(actor, key)
    text = t.text_only()
    return await _written(
        f"training-{key}.xlsx", lambda path: write_export(path, rows, t=text, now=now)
    )


async def register(svc: Services, actor: Actor, week: Week, t: Translator) -> Document:
    """Every unit's register of a week, in the paper form's layout (muster register export)."""
    text = t.text_only()
    return await _written(
        f"register-{week.key}.xlsx", lambda path: svc.register.export(actor, week, path, text)
    )


async def hotline_gaps(svc: Services, actor: Actor, t: Translator, now: datetime) -> Document:
    """The knowledge base's gaps of the last 90 days (muster kb gaps --out)."""
    from bot.reports.hotline_gaps import write_gaps_xlsx  # noqa: PLC0415

    gaps = await svc.hotline.gaps(actor, since=now - GAPS_WINDOW)
    text = t.text_only()
    return await _written("hotline-gaps.xlsx", lambda path: write_gaps_xlsx(path, gaps, t=text))


async def notice_readers(svc: Services, actor: Actor, notice_id: int, t: Translator) -> Document:
    """Read / unread per person of a notice, for Excel (CSV, UTF-8 with BOM)."""
    await svc.notices.get(actor, notice_id)  # an unknown notice: NotFound
    readers = await svc.console.notice_readers(actor, notice_id)
    t = t.text_only()
    header = [
        t("web-col-unit"),
        t("web-col-name"),
        t("web-col-employee-no"),
        t("web-col-delivery"),
        t("web-col-acks"),
    ]
    rows = [
        [
            r.unit,
            r.name,
            r.employee_no,
            t("web-delivery-" + r.delivery),
            t.time(r.acked_at) if r.acked_at else "",
        ]
        for r in readers
    ]
    return await _written(
        f"notice-{notice_id}-readers.csv", lambda path: write_csv(path, header, rows)
    )


async def escalations(svc: Services, actor: Actor, t: Translator) -> Document:
    """Every open escalation with its level and who was told (muster escalations)."""
    items = await svc.escalations.open_escalations(actor, locale=t.locale)
    t = t.text_only()

    def write(path: Path) -> None:
        wb = Workbook()
        sheet = wb.sheet(t("office-esc-sheet"), [Column(t(k)) for k in ESCALATION_COLUMNS])
        for e in items:
            sheet.append(
                [
                    e.unit,
                    e.name,
                    e.employee_no,
                    e.title,
                    t("office-esc-level", level=e.level),
                    t.time(e.due_at),
                    t.time(e.since),
                    t("office-esc-notified-office") if e.notified == "office" else e.notified,
                ]
            )
        wb.save(path)

    return await _written("escalations.xlsx", write)
