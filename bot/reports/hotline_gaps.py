"""`muster kb gaps --out FILE.xlsx`: the questions the knowledge base did not answer.

Kept small and on its own (openpyxl, two sheets) so that it can move onto the shared
spreadsheet toolkit in one step. Text cells are always text, never a formula: a question
typed as "=cmd|..." must not run in Excel.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.i18n import Translator
from bot.services.hotline import GapGroup

GROUP_COLUMNS = (
    ("kb-gaps-col-group", 6),
    ("kb-gaps-col-count", 8),
    ("kb-gaps-col-example", 48),
    ("kb-gaps-col-hint", 22),
    ("kb-gaps-col-now", 22),
    ("kb-gaps-col-tickets", 10),
    ("kb-gaps-col-first", 17),
    ("kb-gaps-col-last", 17),
)
QUESTION_COLUMNS = (
    ("kb-gaps-col-group", 6),
    ("kb-gaps-col-asked", 17),
    ("kb-gaps-col-question", 60),
    ("kb-gaps-col-outcome", 16),
    ("kb-gaps-col-ticket", 10),
)


def write_gaps_xlsx(path: Path, groups: Sequence[GapGroup], *, t: Translator) -> None:
    """A sheet of groups (largest first) and a sheet of every question in them."""
    import openpyxl  # noqa: PLC0415 - slow import, only the export needs it
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    wb = openpyxl.Workbook(write_only=True)

    def sheet(title_key: str, columns: Sequence[tuple[str, int]]) -> Any:
        ws = wb.create_sheet(t(title_key))
        for index, (_, width) in enumerate(columns):
            ws.column_dimensions[get_column_letter(index + 1)].width = width
        ws.freeze_panes = "A2"
        header = []
        for key, _ in columns:
            cell = WriteOnlyCell(ws, value=t(key))
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        return ws

    def text(ws: Any, value: str | None) -> Any:
        cell = WriteOnlyCell(ws, value=value or "")
        cell.data_type = "s"  # never a formula
        if (value or "").startswith(("=", "+", "-", "@")):
            cell.quotePrefix = True
        return cell

    outcome = {
        "none": t("kb-gaps-outcome-none"),
        "suggest": t("kb-gaps-outcome-suggest"),
        "person": t("kb-gaps-outcome-person"),
    }
    ws = sheet("kb-gaps-sheet-groups", GROUP_COLUMNS)
    for g in groups:
        ws.append(
            [
                g.number,
                g.count,
                text(ws, g.example),
                text(ws, g.faq_hint),
                text(ws, g.answered_now),
                g.tickets,
                t.time(g.first_at),
                t.time(g.last_at),
            ]
        )
    qs = sheet("kb-gaps-sheet-questions", QUESTION_COLUMNS)
    for g in groups:
        for q in g.questions:
            qs.append(
                [
                    g.number,
                    t.time(q.asked_at),
                    text(qs, q.question),
                    outcome.get(q.outcome, q.outcome),
                    text(qs, q.ticket_number),
                ]
            )
    wb.save(path)
