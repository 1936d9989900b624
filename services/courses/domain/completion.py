"""The completion rule of a group course (contracts.courses.CompletionRule), as a pure function.

A participant is expected at the sessions held while they were enrolled: someone who joined late
is not expected at sessions held before they joined (unless they came anyway), and an excused
absence is not held against anyone. Present and late both count as attended."""
from __future__ import annotations

from dataclasses import dataclass

ATTENDED = ("present", "late")


@dataclass(frozen=True)
class Outcome:
    completed: bool
    attended: int
    expected: int


def evaluate(rule: dict, held_sessions: list, held_before_join: set, attendance: dict) -> Outcome:
    """`attendance`: session id -> status, for this participant."""
    attended = [s for s in held_sessions if attendance.get(s) in ATTENDED]
    expected = [s for s in held_sessions
                if (s not in held_before_join or s in attended) and attendance.get(s) != "excused"]
    completed = (len(attended) >= rule["min_sessions_attended"]
                 and len(expected) > 0
                 and len(attended) * 100 >= rule["min_attendance_percent"] * len(expected))
    return Outcome(completed, len(attended), len(expected))
