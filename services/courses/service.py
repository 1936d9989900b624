"""The courses service: group courses (recovery groups, recovery-school courses, the peer education)
with sessions, participants, attendance and feedback; individual support courses; methods;
WHO-5 outcomes; calendars and hours.

It publishes, besides its own streams, facts other services consume (contracts/courses.py):
`peer_education.completed` and `peer_activity.session_held` for the roles service, and the national
`peer_education.completion_reported` (pseudonymous) and `outcome.who5_distribution_reported`
(distributions only).
"""
from __future__ import annotations

from runtime.http import audit_log
from runtime.messaging import feed
from runtime.http import health
from runtime.messaging.consumer import consumes
from runtime.service.database import Database
from runtime.privacy.vault import PERSON_CATEGORY, Vault
# Modules, not classes: `nameko run` takes every class in this namespace with entrypoints for a service.
from services.courses.api import citizens, group_courses, methods, reports, statistics, support_courses


class CoursesService(feed.EventFeed, health.HealthEndpoints, audit_log.AuditEndpoints, methods.MethodsApi,
                     citizens.CitizensApi, group_courses.GroupCoursesApi, support_courses.SupportCoursesApi,
                     reports.ReportsApi, statistics.StatisticsApi):
    name = "courses"
    db = Database()
    vault = Vault()

    @consumes("roles", categories=[PERSON_CATEGORY])
    def on_person(self, event):
        self.db.apply_once(event, self._record_forgetting)
