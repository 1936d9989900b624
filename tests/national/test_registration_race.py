"""Concurrent registrations decided by the national service's own code on a real PostgreSQL: many workers
(as many consumer workers, or two national processes, would) decide registrations for one event at once; the
event's stream takes exactly its capacity, the rest are waitlisted in one order, and every answer is written.

The defect it guards: a decision appended without the version it was decided on (or without waiting for the
event's lock) lets two workers both take the last place."""
from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pytest

from runtime import db, eventstore
from runtime.service.database import UnitOfWork
from services.national.api.events import NationalEventsApi
from services.national.domain.national_event import NationalEvent
from services.national.service import NationalService

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "national" / "migrations"
CAPACITY, SIGN_UPS = 5, 16
DETAILS = {"title": "Peertræf", "starts_at": "2023-05-11T08:00:00+00:00", "ends_at": "2023-05-11T14:00:00+00:00",
           "place": "København", "capacity": CAPACITY, "themes": ["practice_in_focus"], "programme": []}


class Worker(NationalEventsApi):
    _decide_registration = NationalService._decide_registration

    def __init__(self, conn):
        self.db = UnitOfWork(conn, eventstore.Metadata("national", "national", "instance", uuid.uuid4()))

    def _load_event(self, event_id):
        aggregate = super()._load_event(event_id)
        time.sleep(0.02)  # between reading the state and appending the decision: where racing writers meet
        return aggregate


@pytest.fixture
def national_db(database_url):
    db.migrate(database_url, MIGRATIONS)
    return database_url


def test_racing_registrations_never_take_more_than_the_capacity(national_db):
    event_id = uuid.uuid4()
    with db.connect(national_db) as conn:
        worker = Worker(conn)
        worker._decide(NationalEvent(event_id), NationalEvent.create(DETAILS), lambda a: [a.announcement()])
        conn.commit()
    start, errors = threading.Barrier(SIGN_UPS), []

    def register(n: int) -> None:
        region = ("region-1084", "region-1085")[n % 2]
        envelope = {"type": "national_sign_up.requested", "instance_id": region, "payload": {
            "national_event_id": str(event_id), "pseudonym": f"{region}:p2:" + format(n, "b").zfill(26)
            .replace("0", "a").replace("1", "b"), "peer_kind": "paid"}}
        with db.connect(national_db) as conn:
            start.wait()
            for _ in range(50):  # a conflict is decided again on the fresh state, as the consumer retries it
                try:
                    Worker(conn)._decide_registration(envelope)
                    conn.commit()
                    return
                except eventstore.ConcurrencyConflict:
                    conn.rollback()
            errors.append(n)

    threads = [threading.Thread(target=register, args=(n,)) for n in range(SIGN_UPS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    with db.connect(national_db) as conn:
        decided = [e.payload for e in eventstore.read_stream(conn, f"national_event-{event_id}")][1:]
        answers = conn.execute("SELECT event_type, count(*) AS n FROM events WHERE stream_name LIKE "
                               "'national_registration-%%' GROUP BY 1").fetchall()
    assert len(decided) == SIGN_UPS
    assert sum(p["status"] == "accepted" for p in decided) == CAPACITY, "exactly the capacity, never more"
    assert {r["event_type"]: r["n"] for r in answers} == {"national_registration.accepted": CAPACITY,
                                                         "national_registration.waitlisted": SIGN_UPS - CAPACITY}
