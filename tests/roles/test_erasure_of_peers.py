"""Erasing a peer forgets their peer row, the person in their agreements and what courses reported of them; facts
the courses service reports about them afterwards are not recorded."""
import uuid
from datetime import datetime, timezone

import pytest

from runtime import db
from runtime.eventstore import NewEvent
from tests.support.agreement_statement import AGREEMENT, publish_as_courses
from tests.support.instance import Instance, wait_until


@pytest.fixture
def instance(tmp_path):
    created = Instance(services=("roles", "courses"), workdir=tmp_path).create()
    yield created
    created.destroy()


def session_held(instance, peer_id):
    activity_id = str(uuid.uuid4())
    publish_as_courses(instance, f"peer_activity-{activity_id}", [NewEvent("peer_activity.session_held", {
        "activity_id": activity_id, "peer_id": peer_id, "kind": "conversation", "course_type": "support_course",
        "course_id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()),
        "held_at": datetime(2025, 2, 1, 10, tzinfo=timezone.utc).isoformat(), "duration_minutes": 60})])


def test_an_erased_volunteer_is_forgotten_in_the_roles_read_models(instance):
    instance.start_service("courses")
    instance.start_service("roles")
    instance.start_relay("courses")
    volunteer, coordinator, other = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    token = instance.token("coordinator", subject=coordinator)

    def call(method, path, **kwargs):
        return instance.call(method, "roles", path, token=token, **kwargs)

    def activities_of(peer_id):
        with db.connect(instance.database_url("roles")) as conn:
            return conn.execute("SELECT count(*) AS n FROM volunteer_activities WHERE peer_id = %s",
                                (peer_id,)).fetchone()["n"]

    assert call("POST", "/peers", json={"peer_id": volunteer, "kind": "volunteer", "title": "frivillig peer",
                                        "name": "Sofie", "workplace": "Bro"}).status_code == 201
    drafted = call("POST", "/volunteer-agreements", json={**AGREEMENT, "volunteer_id": volunteer,
                                                          "coordinator_id": coordinator})
    assert drafted.status_code == 201, drafted.text
    session_held(instance, volunteer)
    wait_until(lambda: activities_of(volunteer) == 1, timeout=90, message="the activity reaching roles")

    erased = instance.call("POST", "roles", f"/persons/{volunteer}/erasure", roles=("admin",), json={})
    assert erased.status_code == 200, erased.text
    assert call("GET", f"/peers/{volunteer}").status_code == 404
    # The agreement stays as a fact (statistics), without the person: no id, personal details masked.
    agreements = call("GET", "/volunteer-agreements").json()
    assert [(a["id"], a["volunteer_id"]) for a in agreements] == [(drafted.json()["id"], None)]
    with db.connect(instance.database_url("roles")) as conn:
        stored = conn.execute("SELECT details::text AS d, signatures::text AS s FROM volunteer_agreements"
                              ).fetchone()
    assert f":{volunteer}:" not in stored["d"] and volunteer not in stored["s"]
    assert activities_of(volunteer) == 0

    session_held(instance, volunteer)  # reported after the erasure
    session_held(instance, other)  # a marker behind it
    wait_until(lambda: activities_of(other) == 1, timeout=90, message="the marker reaching roles")
    assert activities_of(volunteer) == 0
