"""Counts of the instance (GET /statistics): facts that survive erasure, never a person's data.

Courses, participants and support courses keep their rows when a person is erased (only the person's
values are masked or their own rows deleted); citizens are counted from their `citizen.registered`
events, which no erasure removes. So the counts move neither with an erasure nor with a rebuild.
"""
from __future__ import annotations

from runtime.http.entrypoint import api
from services.courses import schemas

STATISTICS_READERS = ("coordinator", "leader", "admin")  # staff; counts hold nothing about a person


class StatisticsApi:
    def _count_by(self, table: str, states: tuple[str, ...]) -> dict[str, int]:
        counts = dict.fromkeys(states, 0)
        # `table` comes from this module, never from input.
        for row in self.db.execute(f"SELECT status, count(*) AS n FROM {table} GROUP BY status"):
            counts[row["status"]] = row["n"]
        return counts

    @api("GET", "/statistics", allow=STATISTICS_READERS, returns=schemas.CoursesStatistics,
         summary="Counts of courses, participants, support courses and citizens (unchanged by erasure)")
    def statistics(self, request):
        courses = self._count_by("group_courses", ("planned", "running", "closed", "cancelled"))
        participants = self._count_by("group_participants", ("enrolled", "waitlisted", "withdrawn"))
        participants["completed"] = self.db.execute(
            "SELECT count(*) AS n FROM group_participants WHERE completed").fetchone()["n"]
        citizens = self.db.execute("SELECT count(*) AS n FROM events WHERE event_type = 'citizen.registered'"
                                   ).fetchone()["n"]
        return {"group_courses": {"total": sum(courses.values()), **courses}, "participants": participants,
                "support_courses": self._count_by("support_courses", ("open", "closed")),
                "citizens": {"registered": citizens}}
