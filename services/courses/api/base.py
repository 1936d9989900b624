"""What every API mixin shares: loading aggregates, recording decisions, and who the caller is."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from runtime.audit import AuditRule, record
from runtime.auth import caller_peer_id, is_peer_only, principal_of  # noqa: F401  (used by the mixins)
from runtime.errors import Forbidden, NotFound
from runtime.vault import refuse_commands_on_erased
from runtime import eventstore
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


class ApiBase:
    """Mixin for the service class (which has `db = Database()` and `vault = Vault()`).

    Personal data: decisions are made on plaintext (streams are opened by the vault when loaded),
    events are sealed per person before they are appended, read models keep the sealed values, and
    only a response to an allowed caller opens them (`self.vault.open(row)`)."""

    def _load(self, aggregate_cls, aggregate_id):
        events = self.vault.open(self.db.read_stream(aggregate_cls.stream_of(aggregate_id)))
        aggregate = aggregate_cls.from_events(aggregate_id, events)
        if not aggregate.exists:
            raise NotFound(f"{aggregate_cls.CATEGORY.replace('_', ' ')} {aggregate_id} does not exist")
        return aggregate

    def _group_course(self, request, course_id):
        """The group course, for a caller allowed to see it: a caller acting as a peer reads and changes
        only the courses they facilitate. Taking part in a recovery course is health-related, so its
        participants, attendance, feedback and scores are not for other peers, participants included."""
        course = self._load(GroupCourse, course_id)
        if is_peer_only(request) and not course.is_facilitator(caller_peer_id(request)):
            raise Forbidden("course: a peer reads and changes only the courses they facilitate")
        return course

    def _append(self, stream: str, events, expected_version) -> list:
        refuse_commands_on_erased(self.vault, stream, PERSON_STREAMS)
        recorded = self.db.append(stream, self.vault.seal(stream, events), expected_version)
        for event in recorded:
            projections.project(self.db.conn, event)
        return recorded

    def _record(self, aggregate, events, expected_version=None) -> list:
        """Append `events` to the aggregate's stream (checking the version the caller read, if given,
        else the one just loaded) and apply the plaintext `events` to the aggregate."""
        expected = aggregate.version if expected_version is None else expected_version
        recorded = self._append(aggregate.stream, events, expected)
        for event, stored in zip(events, recorded):
            aggregate.apply(event.type, event.payload)
            aggregate.version = stored.stream_version
        return recorded

    def _known_method_ids(self) -> set:
        from services.courses.domain.methods import NATIONAL_METHOD_IDS

        local = {r["id"] for r in self.db.execute("SELECT id FROM local_methods").fetchall()}
        return NATIONAL_METHOD_IDS | local

    def _audit(self, request, resource_type: str, resource_ids, purpose: str) -> None:
        """One audit row per person whose special-category data this response discloses."""
        record(self.db, request, AuditRule(resource_type, purpose), sorted({str(i) for i in resource_ids if i}))

    def _publish(self, facts) -> None:
        """Facts for other services, in streams of their own, in the same transaction as the decision
        they follow. The aggregate's rules keep a fact from being decided twice (a session is held or
        withdrawn once); the expected version keeps two decisions from interleaving in a stream."""
        by_stream: dict[str, list] = {}
        for stream, event in facts:
            by_stream.setdefault(stream, []).append(event)
        for stream, events in by_stream.items():
            self._append(stream, events, eventstore.current_version(self.db.conn, stream))

    @staticmethod
    def _create_id() -> uuid.UUID:
        return uuid.uuid4()


def principal(request):
    return principal_of(request)
