"""The pool of closed individual support courses waiting for the national WHO-5 report.

One course is one person, so its scores never leave on their own: once at least
`who5.REPORTING_THRESHOLD` closed courses with a start and an end measurement are waiting, they go
together as one distribution. The pool is one stream, so two closings at once cannot report the
same course twice (the second gets a 409 and is retried by its caller)."""
from __future__ import annotations

import uuid

from runtime.eventstore import NewEvent
from services.courses.domain import who5
from runtime.service.aggregate import Aggregate

POOL_ID = uuid.uuid5(uuid.UUID("9d4a1f0e-6b2c-5e8d-a7f3-1c0b5e4d2a96"), "individual-support-courses")


class SupportOutcomePool(Aggregate):
    CATEGORY = "outcome"

    def __init__(self, pool_id=POOL_ID):
        super().__init__(pool_id)
        self.reported: set[str] = set()

    def on_support_batch_assembled(self, p):
        self.reported |= set(p["course_ids"])

    def report(self, measured: dict[str, dict], today) -> list[NewEvent]:
        """`measured`: closed course id -> {"start": score, "end": score} (either may be missing)."""
        waiting = sorted(c for c, scores in measured.items() if c not in self.reported
                         and scores.get("start") is not None and scores.get("end") is not None)
        if len(waiting) < who5.REPORTING_THRESHOLD:
            return []
        suppressed, distributions = who5.report({t: [measured[c][t] for c in waiting] for t in ("start", "end")})
        return [NewEvent("outcome.support_batch_assembled", {"course_ids": waiting}),
                NewEvent("outcome.who5_distribution_reported", {
                    "course_type": "support_course", "course_kind": "individual", "closed_on": today.isoformat(),
                    "suppressed": suppressed, "distributions": distributions})]
