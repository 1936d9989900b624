"""Seed 003's volunteer ("Bro til hverdagslivet") from agreement to statement, through the roles HTTP API
and the broker: the courses service's facts (`peer_activity.session_held`, `peer_activity.withdrawn`,
`peer_education.completed`) are stored in the courses service's event store as that service stores
them, and reach roles through the courses relay and the broker (the courses service runs too: roles
catches up from its feed at start)."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from runtime.eventstore import NewEvent
from tests.support.agreement_statement import AGREEMENT, COORDINATOR, PROJECT, VOLUNTEER, publish_as_courses
from tests.support.instance import Instance, wait_until


@pytest.fixture
def instance(tmp_path):
    created = Instance(services=("roles", "courses"), workdir=tmp_path).create()
    yield created
    created.destroy()


def activities(instance, peer_id, count, start):
    ids = []
    for i in range(count):
        activity_id = str(uuid.uuid4())
        ids.append(activity_id)
        publish_as_courses(instance, f"peer_activity-{activity_id}", [NewEvent("peer_activity.session_held", {
            "activity_id": activity_id, "peer_id": peer_id, "kind": "companionship" if i % 2 else "group_session",
            "course_type": "support_course" if i % 2 else "group_course", "course_id": str(uuid.uuid4()),
            "session_id": str(uuid.uuid4()), "held_at": (start + timedelta(days=7 * i)).isoformat(),
            "duration_minutes": 90})])
    return ids


def test_seed_003_volunteer_from_agreement_to_statement(instance):
    instance.start_service("courses")
    instance.start_service("roles")
    instance.start_relay("courses")
    coordinator = instance.token("coordinator", subject=COORDINATOR)
    volunteer = instance.token("peer", subject=VOLUNTEER)

    def call(method, path, token=coordinator, **kwargs):
        return instance.call(method, "roles", path, token=token, **kwargs)

    registered = call("POST", "/peers", json={"peer_id": VOLUNTEER, "kind": "volunteer", "title": "frivillig peer",
                                              "name": "Sofie Frivillig", "workplace": PROJECT})
    assert registered.status_code == 201, registered.text

    drafted = call("POST", "/volunteer-agreements", json=AGREEMENT)
    assert drafted.status_code == 201, drafted.text
    agreement = drafted.json()
    assert agreement["status"] == "draft"
    assert agreement["details"]["cpr"] == "010190-XXXX"  # never shown whole
    assert agreement["details"]["name"] == "Sofie Frivillig"
    path = f"/volunteer-agreements/{agreement['id']}"

    # The volunteer signs; the coordinator's signature is refused while confidentiality and the record check lack.
    signed = call("POST", f"{path}/signatures", token=volunteer, json={"party": "volunteer", "on": "2025-01-06"})
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "draft"
    refused = call("POST", f"{path}/signatures", json={"party": "coordinator", "on": "2025-01-06"})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"confidentiality_accepted", "criminal_record_check"}
    assert call("POST", f"{path}/confidentiality", token=volunteer, json={"on": "2025-01-06"}).status_code == 200
    assert call("PUT", f"{path}/criminal-record-check", json={"status": "clean"}).status_code == 200
    active = call("POST", f"{path}/signatures", json={"party": "coordinator", "on": "2025-01-06"})
    assert active.status_code == 200, active.text
    assert active.json()["status"] == "active"
    assert active.json()["active_from"] == "2025-01-06"
    assert active.json()["term_ends_on"] == "2025-07-06"

    early = call("GET", f"{path}/eligibility?as_of=2025-03-01").json()
    assert early["eligible"] is False
    assert {m["field"] for m in early["missing"]} == {"active_days", "activities", "peer_education"}

    # The courses service reports 11 activities, withdraws one, and the completed peer education.
    ids = activities(instance, VOLUNTEER, 11, datetime(2025, 1, 14, 10, tzinfo=timezone.utc))
    publish_as_courses(instance, f"peer_activity-{ids[0]}", [NewEvent("peer_activity.withdrawn", {
        "activity_id": ids[0], "peer_id": VOLUNTEER, "reason": "recorded_by_mistake"})])
    course_id = str(uuid.uuid4())
    publish_as_courses(instance, f"peer_education-{course_id}", [NewEvent("peer_education.completed", {
        "course_id": course_id, "participant_id": str(uuid.uuid4()), "peer_id": VOLUNTEER,
        "completed_on": "2025-04-01", "sessions_attended": 8, "sessions_held": 9})])

    def counted():
        result = call("GET", f"{path}/eligibility?as_of=2025-05-01").json()
        return result if result["activities"] == 10 and result["peer_education_completed"] else None

    # A minute: the broker may be restarting under other tests (the relay and the catch-up both retry).
    wait_until(counted, timeout=90, message="the courses service's facts reaching roles through the broker")

    # A pause, announced ahead, then resumed: 14 days that do not count as active.
    paused = call("POST", f"{path}/pause", token=volunteer, json={"on": "2025-03-01", "pause_from": "2025-03-10"})
    assert paused.status_code == 200, paused.text
    assert [a["id"] for a in call("GET", "/volunteer-agreements?status=paused").json()] == [agreement["id"]]
    assert call("POST", f"{path}/resume", token=volunteer, json={"on": "2025-03-24"}).json()["status"] == "active"
    assert call("GET", "/volunteer-agreements?status=paused").json() == []

    # Renewal is due 30 days ahead of the end of the half year; the conversation reconfirms it.
    assert call("GET", "/volunteer-agreements/due-for-renewal?as_of=2025-06-05").json() == []
    assert call("POST", "/volunteer-agreements/renewal-reminders", json={"on": "2025-06-05"}).json() == []
    raised = call("POST", "/volunteer-agreements/renewal-reminders", json={"on": "2025-06-06"}).json()
    assert [(a["id"], a["renewal_raised_for"]) for a in raised] == [(agreement["id"], "2025-07-06")]
    assert call("POST", "/volunteer-agreements/renewal-reminders", json={"on": "2025-06-07"}).json() == []
    due = call("GET", "/volunteer-agreements/due-for-renewal?as_of=2025-06-10").json()
    assert [a["id"] for a in due] == [agreement["id"]]
    renewed = call("POST", f"{path}/renewal", json={"on": "2025-06-10"})
    assert renewed.json()["term_ends_on"] == "2026-01-06"
    assert call("GET", "/volunteer-agreements/due-for-renewal?as_of=2025-06-10").json() == []

    # Half a year from activation is not enough: the paused days do not count.
    at_half_year = call("GET", f"{path}/eligibility?as_of=2025-07-06").json()
    assert at_half_year["eligible"] is False
    assert [m["field"] for m in at_half_year["missing"]] == ["active_days"]
    refused = call("POST", f"{path}/statement", json={"on": "2025-07-06"})
    assert refused.status_code == 409  # given on leaving, and only to an eligible volunteer
    assert refused.json()["errors"][0]["field"] == "status"
    assert call("GET", "/volunteer-agreements?status=sometimes").status_code == 422
    assert call("GET", "/volunteer-agreements/eligible-for-statement?as_of=2025-07-06").json() == []

    eligible = call("GET", "/volunteer-agreements/eligible-for-statement?as_of=2025-07-25").json()
    assert [e["agreement_id"] for e in eligible] == [agreement["id"]]
    ended = call("POST", f"{path}/end", token=volunteer,
                 json={"on": "2025-07-25", "ended_by": "volunteer", "reason": "volunteer_wish"})
    assert ended.json()["status"] == "ended"
    statement = call("POST", f"{path}/statement", json={"on": "2025-07-25"})
    assert statement.status_code == 200, statement.text
    document = statement.json()["document"]
    assert document.startswith("UDTALELSE")
    assert "Sofie Frivillig har været frivillig i Bro til hverdagslivet fra 6. januar 2025 til 25. juli 2025" in document
    assert "10 frivillige aktiviteter" in document
    assert "010190" not in document

    # Other peers see nothing of it.
    stranger = instance.token("peer", subject=str(uuid.uuid4()))
    assert call("GET", path, token=stranger).status_code == 403
