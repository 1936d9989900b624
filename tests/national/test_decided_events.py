"""A sign-up folds only what its national event's stream gained since this process last decided on it
(services/national/decided.py), and a kept state is never trusted past a rolled-back decision or another
process's append. On a real PostgreSQL, with the national service's own decision code."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from runtime import db, eventstore
from runtime.service.database import UnitOfWork
from services.national.api.events import NationalEventsApi
from services.national.decided import DecidedEvents
from services.national.domain.national_event import NationalEvent
from services.national.service import NationalService

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "national" / "migrations"
DETAILS = {"title": "Peertræf", "starts_at": "2023-05-11T08:00:00+00:00", "ends_at": "2023-05-11T14:00:00+00:00",
           "place": "København", "capacity": 3, "themes": ["practice_in_focus"], "programme": []}


class Worker(NationalEventsApi):
    """One national process: its own kept states, and a count of the events each load folded."""
    _decide_registration = NationalService._decide_registration

    def __init__(self, conn, decided: DecidedEvents):
        self.db = UnitOfWork(conn, eventstore.Metadata("national", "national", "instance", uuid.uuid4()))
        self.decided, self.folded = decided, []
        read = self.db.read_stream

        def counted(stream, after_version=-1):
            events = read(stream, after_version)
            self.folded.append(len(events))
            return events
        self.db.read_stream = counted

    def sign_up(self, event_id, n: int) -> None:
        self._decide_registration({"type": "national_sign_up.requested", "instance_id": "region-1084", "payload": {
            "national_event_id": str(event_id), "pseudonym": "region-1084:p2:" + format(n, "b").zfill(26)
            .replace("0", "a").replace("1", "b"), "peer_kind": "volunteer"}})


@pytest.fixture
def national_db(database_url):
    db.migrate(database_url, MIGRATIONS)
    return database_url


def created(conn, worker) -> uuid.UUID:
    event_id = uuid.uuid4()
    worker._decide(NationalEvent(event_id), NationalEvent.create(DETAILS), lambda a: [a.announcement()])
    conn.commit()
    return event_id


def decided(conn, event_id) -> list[str]:
    return [e.payload["pseudonym"][-3:] + ":" + e.payload["status"]
            for e in eventstore.read_stream(conn, NationalEvent.stream_of(event_id))[1:]]


def test_a_sign_up_folds_only_what_came_after_the_last_decision(national_db):
    with db.connect(national_db) as conn:
        worker = Worker(conn, DecidedEvents())
        event_id = created(conn, worker)
        for n in range(40):
            worker.sign_up(event_id, n)
            conn.commit()
        assert worker.folded[-1] == 0, "the 40th sign-up read nothing it had not decided itself"
        assert sum(worker.folded) <= 1, worker.folded  # only the creation, on the first sign-up
        assert len(decided(conn, event_id)) == 40


def test_a_rolled_back_decision_and_another_process_append_are_never_taken_from_the_kept_state(national_db):
    with db.connect(national_db) as conn, db.connect(national_db) as other_conn:
        one, other = Worker(conn, DecidedEvents()), Worker(other_conn, DecidedEvents())
        event_id = created(conn, one)
        one.sign_up(event_id, 1)
        conn.commit()
        one.sign_up(event_id, 2)  # decided and kept, then its transaction rolls back
        conn.rollback()
        other.sign_up(event_id, 3)  # another process takes the version the rolled-back decision had
        other_conn.commit()
        state = one._load_event(event_id)
        assert sorted(r.pseudonym[-3:] for r in state.registrations.values()) == ["aab", "abb"], \
            "the kept state still held the rolled-back sign-up"
        assert state.version == 2
        conn.rollback()
