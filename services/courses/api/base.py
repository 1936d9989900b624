"""What every API mixin shares: loading aggregates, recording decisions, and who the caller is."""
from __future__ import annotations

from datetime import datetime, timezone

from runtime.http.audit import AuditRule, record
from runtime.service.application import Application
from runtime.http.auth import caller_peer_id, is_peer_only, principal_of  # noqa: F401  (used by the mixins)
from runtime.errors import Forbidden
from services.courses import projections
from services.courses.domain.group_course import GroupCourse
from services.courses.domain.published import local_date

# Who may do what (docs/courses.md explains the choices).
PLANNERS = ("coordinator", "leader")          # plan courses, capacity, facilitators, close, cancel
RUNNERS = ("peer", "coordinator")             # sessions, programme, attendance, enrolment, feedback, WHO-5
READERS = ("peer", "coordinator", "leader")   # read courses (no personal data in what everyone reads)
MATCHERS = ("coordinator",)                   # open support courses, match and replace peers, citizens
SUPPORTERS = ("peer", "coordinator")          # goals, sessions, WHO-5 and closing of a support course
# Streams that are a person, with the field naming them: no command once they were erased (410).
PERSON_STREAMS = {"citizen": "citizen_id"}


def now() -> datetime:
    return datetime.now(timezone.utc)


def today():
    return local_date(now())


class ApiBase(Application):
    """Mixin for the service class (which has `db = Database()` and `vault = Vault()`).

    Personal data: decisions are made on plaintext (streams are opened by the vault when loaded),
    events are sealed per person before they are appended, read models keep the sealed values, and
    only a response to an allowed caller opens them (`self.vault.open(row)`)."""

    projections = projections
    PERSON_STREAMS = PERSON_STREAMS

    def _group_course(self, request, course_id):
        """The group course, for a caller allowed to see it: a caller acting as a peer reads and changes
        only the courses they facilitate. Taking part in a recovery course is health-related, so its
        participants, attendance, feedback and scores are not for other peers, participants included."""
        course = self._load(GroupCourse, course_id)
        if is_peer_only(request) and not course.is_facilitator(caller_peer_id(request)):
            raise Forbidden("course: a peer reads and changes only the courses they facilitate")
        return course

    def _known_method_ids(self) -> set:
        from services.courses.domain.methods import NATIONAL_METHOD_IDS

        local = {r["id"] for r in self.db.execute("SELECT id FROM local_methods").fetchall()}
        return NATIONAL_METHOD_IDS | local

    def _audit(self, request, resource_type: str, resource_ids, purpose: str) -> None:
        """One audit row per person whose special-category data this response discloses."""
        record(self.db, request, AuditRule(resource_type, purpose), sorted({str(i) for i in resource_ids if i}))


def principal(request):
    return principal_of(request)
