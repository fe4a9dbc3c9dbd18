"""Reminder and escalation policies per kind of task.

A policy is a list of steps relative to the deadline. Reminders go to the person;
escalation levels go to the bound mentor (1), the unit leader (2), office staff (3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

HOUR = 3600

REMIND = "remind"
LEVELS = {"L1": 1, "L2": 2, "L3": 3}


@dataclass(frozen=True, slots=True)
class Step:
    action: str  # "remind" | "L1" | "L2" | "L3"
    offset_s: int  # relative to the deadline; negative = before

    @property
    def level(self) -> int:
        return LEVELS.get(self.action, 0)


@dataclass(frozen=True, slots=True)
class Policy:
    remind_at_publish: bool = True
    remind_before_h: tuple[float, ...] = (24, 2)
    escalate_after_h: tuple[float, ...] = (0, 24, 72)  # L1, L2, L3

    def steps(self) -> list[Step]:
        out = [Step(REMIND, -int(h * HOUR)) for h in self.remind_before_h]
        out += [Step(f"L{i}", int(h * HOUR)) for i, h in enumerate(self.escalate_after_h, start=1)]
        return sorted(out, key=lambda s: s.offset_s)

    def to_json(self) -> dict[str, Any]:
        return {
            "remind_at_publish": self.remind_at_publish,
            "remind_before_h": list(self.remind_before_h),
            "escalate_after_h": list(self.escalate_after_h),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Policy:
        return cls(
            remind_at_publish=bool(data.get("remind_at_publish", True)),
            remind_before_h=tuple(float(h) for h in data.get("remind_before_h", (24, 2))),
            escalate_after_h=tuple(float(h) for h in data.get("escalate_after_h", (0, 24, 72))),
        )


def step_time(due_at: datetime, step: Step, delay_s: int) -> datetime:
    """When a step falls due; escalation steps move with "reminded in person" delays."""
    extra = delay_s if step.level else 0
    return due_at + timedelta(seconds=step.offset_s + extra)
