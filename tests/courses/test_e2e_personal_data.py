"""Personal data in the courses service: sealed per person in events and read models, reads of citizen
data audited, and an erasure (recorded by roles, delivered through the broker) forgets the citizen,
also after a rebuild; the course's statistics that identify nobody survive."""
from __future__ import annotations

import json
import uuid

import pytest

from runtime import db, eventstore
from runtime.eventstore import projection
from services.courses import projections
from tests.support.courses_instance import CoursesInstance, new_id
from tests.support.http import ok
from tests.support.instance import wait_until

NAME, GOAL, NOTE, EVALUATION = "Birthe Borgersen", "Gå tur ved søen hver dag", "Talte om søvn", "Et godt forløb"


@pytest.fixture
def with_roles(tmp_path):
    created = CoursesInstance(services=("roles", "courses"), workdir=tmp_path).create()
    yield created
    created.destroy()


def texts(instance) -> list[str]:
    with db.connect(instance.database_url("courses")) as conn:
        found = [r["payload"] for r in conn.execute("SELECT payload::text AS payload FROM events").fetchall()]
        for table in projections.READ_MODEL_TABLES:
            found += [json.dumps(r, default=str) for r in conn.execute(f"SELECT * FROM {table}").fetchall()]
    return found


def receive_module(instance) -> str:
    """A competence module as the courses service keeps it when the national instance broadcasts it."""
    module_id = new_id()
    metadata = eventstore.Metadata("courses", instance.instance_id, "instance", uuid.uuid4())
    with db.connect(instance.database_url("courses")) as conn:
        for event in eventstore.append(conn, f"catalogue_module-{module_id}", [eventstore.NewEvent(
                "catalogue_module.received", {"module_id": module_id, "module_version": 1, "title": "Recovery",
                                              "description": "", "learning_goals": ["CHIME"], "kind": "course",
                                              "hours": 6.0})], eventstore.NO_STREAM, metadata):
            projections.project(conn, event)
        conn.commit()
    return module_id


def test_sealed_at_rest_audited_when_read_and_forgotten_when_erased(with_roles):
    instance = with_roles
    instance.start_service("roles")
    instance.start_relay("roles")
    instance.start_service("courses")
    peer = new_id()
    citizen = ok(instance.as_coordinator("POST", "/citizens", json={"name": NAME, "email": "birthe@example.dk"}),
                 201)["id"]
    support = ok(instance.as_coordinator("POST", "/support-courses", json={"citizen_id": citizen, "peer_id": peer}),
                 201)
    spath = f"/support-courses/{support['id']}"
    ok(instance.as_peer(peer, "POST", f"{spath}/goals", json={"text": GOAL}), 201)
    ok(instance.as_peer(peer, "POST", f"{spath}/who5", json={"timing": "start", "items": [1, 1, 1, 1, 1]}), 201)
    ok(instance.as_peer(peer, "POST", f"{spath}/sessions", json={
        "kind": "conversation", "held_at": "2024-02-06T10:00:00+01:00", "duration_minutes": 60, "note": NOTE}), 201)
    group = ok(instance.as_coordinator("POST", "/group-courses", json={
        "kind": "recovery_group", "title": "Recovery-gruppe", "capacity": 8, "facilitator_peer_ids": [peer],
        "completion_rule": {"min_sessions_attended": 1, "min_attendance_percent": 0}}), 201)
    gpath = f"/group-courses/{group['id']}"
    participant = ok(instance.as_peer(peer, "POST", f"{gpath}/participants", json={
        "participant_type": "citizen", "citizen_id": citizen}), 201)["id"]
    ok(instance.as_peer(peer, "POST", f"{gpath}/feedback", json={"participant_id": participant, "rating": 4,
                                                                 "text": "Jeg fik det bedre"}), 201)
    # the group course counts toward a competence module of the catalogue (as received from the national instance)
    module = receive_module(instance)
    ok(instance.as_coordinator("PUT", f"{gpath}/competence-modules", json={"module_ids": [module]}))
    session = ok(instance.as_peer(peer, "POST", f"{gpath}/sessions", json={
        "title": "Workshop", "starts_at": "2024-03-05T10:00:00+01:00", "ends_at": "2024-03-05T12:00:00+01:00",
        "place": "Recovery-skolen"}), 201)["sessions"][-1]["id"]
    ok(instance.as_peer(peer, "POST", f"{gpath}/sessions/{session}/held", json={
        "attendance": [{"participant_id": participant, "status": "present"}]}))
    ok(instance.as_coordinator("POST", f"{gpath}/close", json={}))
    profile = f"/persons/{citizen}/competences"
    assert [c["module_id"] for c in ok(instance.as_coordinator("GET", profile))["completions"]] == [module]
    detail = ok(instance.as_peer(peer, "GET", spath))
    assert (detail["citizen_name"], detail["goals"][0]["text"], detail["sessions"][0]["note"]) == (NAME, GOAL, NOTE)
    assert detail["who5"][0]["score"] == 20

    # Sealed at rest: no name, goal, note, feedback or contact data in clear, in events or read models.
    for text in texts(instance):
        for secret in (NAME, GOAL, NOTE, "Jeg fik det bedre", "birthe@example.dk"):
            assert secret not in text
    # Every disclosure of the citizen's data is in the audit log, with who read it and why.
    with db.connect(instance.database_url("courses")) as conn:
        audited = conn.execute("SELECT actor, resource_type, resource_id, purpose FROM audit_log "
                               "WHERE resource_id = %s", (citizen,)).fetchall()
    assert {(a["actor"], a["resource_type"]) for a in audited} >= {(peer, "citizen_record")}

    # -- erase the citizen (recorded by roles, reaching courses through the broker) --------------------
    erased = instance.call("POST", "roles", f"/persons/{citizen}/erasure", roles=("admin",),
                           json={"basis": "data_subject_request"})
    assert erased.status_code == 200, erased.text
    wait_until(lambda: instance.as_coordinator("GET", f"/citizens/{citizen}").status_code == 404, timeout=60,
               message="the courses service forgetting the citizen")

    def forgotten_everywhere():
        after = ok(instance.as_peer(peer, "GET", spath))
        assert after["citizen_name"] is None and after["goals"] == [] and after["who5"] == []
        assert after["sessions"][0]["note"] == "[slettet]" and after["sessions"][0]["duration_minutes"] == 60
        feedback = ok(instance.as_peer(peer, "GET", f"{gpath}/feedback"))
        assert feedback[0]["text"] == "[slettet]" and feedback[0]["rating"] == 4
        roster = ok(instance.as_peer(peer, "GET", f"{gpath}/participants"))
        assert roster[0]["name"] is None and roster[0]["status"] == "enrolled"
        assert ok(instance.as_coordinator("GET", profile))["completions"] == []  # her competence profile too

    forgotten_everywhere()
    hours = ok(instance.as_coordinator("GET", "/reports/hours", params={"from": "2024-02-01", "to": "2024-02-29"}))
    assert [r["individual_session_minutes"] for r in hours] == [60]  # the peer's hours survive
    # Nothing new can be recorded about her.
    refused = instance.as_peer(peer, "POST", f"{spath}/goals", json={"text": "Nyt mål"})
    assert refused.status_code == 409

    # -- a rebuild forgets her at the same place ---------------------------------------------------------
    with db.connect(instance.database_url("courses")) as conn:
        total = projection.total_events(conn)

        def feed_shows_every_event():
            visible = len(eventstore.read_all(conn, limit=10_000))
            conn.commit()
            return visible == total

        wait_until(feed_shows_every_event, message="every event visible in the feed")
        projection.rebuild(conn, projections.READ_MODEL_TABLES, projections.project)
        conn.commit()
        assert conn.execute("SELECT count(*) AS n FROM citizens WHERE id = %s", (citizen,)).fetchone()["n"] == 0
    forgotten_everywhere()
