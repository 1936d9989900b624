"""The courses service: group courses (recovery groups, recovery-school courses, the peer education)
with sessions, participants, attendance and feedback; individual support courses; methods;
WHO-5 outcomes; calendars and hours.

It publishes, besides its own streams, facts other services consume (contracts/courses.py):
`peer_education.completed` and `peer_activity.session_held` for the roles service, and the national
`peer_education.completion_reported` (pseudonymous) and `outcome.who5_distribution_reported`
(distributions only), and `competence.completion_reported` (a pseudonym per completed competence module).

It keeps the national competence catalogue it receives on `national.broadcast` (`competence_module.*`).
"""
from __future__ import annotations

from runtime.http import audit_log
from runtime.messaging import feed
from runtime.http import health
from runtime.messaging.consumer import consumes
from runtime.service.database import Database
from runtime.privacy.erasure import PERSON_CATEGORY
from runtime.privacy.vault import Vault
from runtime.eventstore import NewEvent, current_version, stream_name
# Modules, not classes: `nameko run` takes every class in this namespace with entrypoints for a service.
from services.courses.api import (citizens, competences, group_courses, methods, reports, statistics,
                                  support_courses)


class CoursesService(feed.EventFeed, health.HealthEndpoints, audit_log.AuditEndpoints, methods.MethodsApi,
                     citizens.CitizensApi, group_courses.GroupCoursesApi, support_courses.SupportCoursesApi,
                     reports.ReportsApi, statistics.StatisticsApi, competences.CompetencesApi):
    name = "courses"
    db = Database()
    vault = Vault()

    @consumes("roles", categories=[PERSON_CATEGORY])
    def on_person(self, event):
        self.db.apply_once(event, self._record_forgetting)

    # -- the downlink: the national competence catalogue (docs/architecture.md, "The downlink") ---------------
    @consumes("national", categories=["competence_module"], exchange="national.broadcast", catch_up=False)
    def on_competence_module(self, event):
        self.db.apply_once(event, self._record_competence_module)

    def _record_competence_module(self, event: dict) -> None:
        """A module version or retirement, kept in our own `catalogue_module-<id>` stream (a rebuild knows it)."""
        p = event["payload"]
        stream = stream_name("catalogue_module", p["module_id"])
        known = self.db.execute("SELECT current_version, retired_at FROM catalogue_modules WHERE module_id = %s",
                                (p["module_id"],)).fetchone()
        published = event["type"] == "competence_module.published"
        if known and (known["retired_at"] is not None or (published and known["current_version"] >= p["module_version"])):
            return  # received before (a re-sent broadcast): the catalogue has it
        if published:
            recorded = NewEvent("catalogue_module.received", {
                k: p[k] for k in ("module_id", "module_version", "title", "description", "learning_goals", "kind",
                                  "hours")})
        else:
            recorded = NewEvent("catalogue_module.retired", {"module_id": p["module_id"]})
        self._append(stream, [recorded], current_version(self.db.conn, stream))
