"""The application layer every service uses (runtime/service/application.py), on the in-memory store: load folds
once, the command decides, the events are appended with their projection in one transaction, and the
answer comes from the aggregate as recorded. Run against roles, courses and network aggregates."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from runtime import domain
from runtime.errors import PersonErased
from runtime.eventstore import NO_STREAM, ConcurrencyConflict
from services.courses.api.base import ApiBase as CoursesBase
from services.courses.domain import published
from services.courses.domain.group_course import GroupCourse
from services.network.api.base import ApiBase as NetworkBase
from services.roles.api.base import ApiBase as RolesBase
from services.roles.domain import FunctionDescription
from services.roles.domain.peer import Peer
from tests.support.application import in_memory

NETWORK_KIND = "regional"
FIELDS = {"organisational_placement": "Socialpsykiatrien", "nearest_leader": {"name": "Lene Leder", "person_id": None},
          "mentor": {"name": "Mette Mentor", "person_id": None}, "internal_partners": ["Personalegruppen"]}


def adopted(app) -> FunctionDescription:
    description_id = uuid.uuid4()
    app._append(FunctionDescription.stream_of(description_id), FunctionDescription.adopt("Parkvænget", None),
                NO_STREAM)
    return app._load(FunctionDescription, description_id)


def test_a_command_folds_once_records_and_answers_from_the_recorded_state(monkeypatch):
    app = in_memory(RolesBase)
    description = adopted(app)
    folds = []
    original = FunctionDescription.from_events.__func__
    monkeypatch.setattr(FunctionDescription, "from_events",
                        classmethod(lambda cls, *a: folds.append(1) or original(cls, *a)))
    description = app._load(FunctionDescription, description.id)
    app._record(description, description.fill_local_fields(FIELDS))
    app._record(description, description.decide_support_mode("both"))
    app._record(description, description.publish())
    assert folds == [1]
    assert description.status == "published" and description.revision == 1
    assert description.version == app.db.current_version(description.stream) == 5
    reloaded = app._load(FunctionDescription, description.id)
    assert (reloaded.status, reloaded.version, reloaded.local_fields) == (
        description.status, description.version, description.local_fields)


def test_each_append_is_projected_in_its_transaction_and_rolls_back_with_it():
    app = in_memory(RolesBase)
    description = adopted(app)
    app.db.commit()
    projected = dict(app.db.conn.tables["projected"])
    assert [t for _, _, t in projected.values()] == ["function_description.adopted",
                                                      "function_description.local_fields_filled"]
    app._record(description, description.decide_support_mode("group"))
    assert len(app.db.conn.tables["projected"]) == 3
    app.db.rollback()  # the worker raised after the append
    assert app.db.conn.tables["projected"] == projected
    assert app._load(FunctionDescription, description.id).support_mode is None


def test_the_version_the_client_read_is_checked_and_a_stale_one_stores_nothing():
    app = in_memory(RolesBase)
    description = adopted(app)
    with pytest.raises(ConcurrencyConflict):
        app._record(description, description.decide_support_mode("both"), expected_version=0)
    assert app._load(FunctionDescription, description.id).support_mode is None
    app._record(description, description.decide_support_mode("both"), expected_version=1)
    assert app._load(FunctionDescription, description.id).support_mode == "both"


def test_a_rule_of_the_domain_is_a_plain_exception_and_nothing_is_recorded():
    app = in_memory(RolesBase)
    description = adopted(app)
    with pytest.raises(domain.InvalidValue) as refused:
        app._record(description, description.publish())
    assert not hasattr(refused.value, "status")  # the HTTP entrypoint decides the status (runtime/http/entrypoint.py)
    assert {e["field"] for e in refused.value.errors} >= {"support_mode"}
    assert app.db.current_version(description.stream) == 1


def test_an_unknown_aggregate_is_not_found():
    with pytest.raises(domain.NotFound) as missing:
        in_memory(RolesBase)._load(Peer, uuid.uuid4())
    assert "peer" in str(missing.value)


def test_a_person_erased_takes_no_more_commands():
    app = in_memory(RolesBase)
    peer_id = str(uuid.uuid4())
    app._append(Peer.stream_of(peer_id), Peer.register({
        "kind": "volunteer", "title": "frivillig peer", "name": "Vera Frivillig", "workplace": "Parkvænget"}),
        NO_STREAM)
    peer = app._load(Peer, peer_id)
    app.vault.keystore.erase(peer_id)
    with pytest.raises(PersonErased):
        app._record(peer, peer.record_accommodation_needs(["Ro"]))
    assert app.db.current_version(peer.stream) == 0


def test_courses_decide_on_one_fold_and_publish_facts_into_their_own_streams():
    app = in_memory(CoursesBase)
    course_id, peer = uuid.uuid4(), str(uuid.uuid4())
    app._append(GroupCourse.stream_of(course_id), GroupCourse.plan(
        "recovery_group", "Recoverygruppe", "", [], 2, {"min_sessions_attended": 1, "min_attendance_percent": 50},
        set(), [peer]), NO_STREAM)
    course = app._load(GroupCourse, course_id)
    first = app._record(course, course.enroll("citizen", citizen_id=uuid.uuid4()))
    app._record(course, course.enroll("citizen", citizen_id=uuid.uuid4()))
    waiting = app._record(course, course.enroll("citizen", citizen_id=uuid.uuid4()))
    assert [e.type for e in waiting] == ["group_course.participant_waitlisted"]
    app._record(course, course.withdraw(first[0].payload["participant_id"]))
    assert course.waitlist == [] and app._load(GroupCourse, course_id).waitlist == []
    start = datetime(2020, 3, 3, 9, tzinfo=timezone.utc)
    scheduled = app._record(course, course.schedule_session("Workshop 1", start, start + timedelta(hours=2), "Salen"))
    held = course.hold_session(scheduled[0].payload["session_id"], start, None, [])
    app._record(course, held)
    app._publish(published.group_course_facts(course, held, start.date(), lambda person: "pseudonym"))
    assert [(e.type, e.payload["peer_id"], e.stream.split("-", 1)[0]) for e in app.db.appended[-1:]] == [
        ("peer_activity.session_held", peer, "peer_activity")]


def test_network_commands_use_the_same_layer():
    from services.network.domain.network import Network

    app = in_memory(NetworkBase)
    network_id, facilitator, member = uuid.uuid4(), str(uuid.uuid4()), str(uuid.uuid4())
    with pytest.raises(domain.NotFound):
        app._load(Network, network_id)
    app._append(Network.stream_of(network_id), Network.create("Peernetværk Sjælland", "Sparring", NETWORK_KIND,
                                                              {facilitator: "paid"}), NO_STREAM)
    network = app._load(Network, network_id)
    app._record(network, network.join(member, "volunteer"))
    assert network.size_by_kind() == {"paid": 1, "volunteer": 1} == app._load(Network, network_id).size_by_kind()
    with pytest.raises(domain.RuleBroken):
        app._record(network, network.join(member, "volunteer"))


def test_what_courses_and_network_report_of_a_volunteer_is_kept_in_their_stream():
    from services.roles.domain.volunteer import volunteer_fact

    peer, event_id = str(uuid.uuid4()), str(uuid.uuid4())
    held = {"type": "network_activity.attended", "event_id": event_id, "payload": {
        "activity_id": "a-1", "peer_id": peer, "kind": "sparring", "held_at": "2020-03-03T09:00:00+00:00",
        "duration_minutes": 90}}
    stream, counted = volunteer_fact(held)
    assert stream == f"volunteer-{peer}" and counted.type == "volunteer.activity_counted"
    assert counted.payload["source_event_id"] == event_id and counted.payload["duration_minutes"] == 90
    assert volunteer_fact({**held, "type": "peer_activity.withdrawn"})[1].type == "volunteer.activity_withdrawn"
    education = {"type": "peer_education.completed", "event_id": event_id,
                 "payload": {"course_id": "c-1", "completed_on": "2020-04-30"}}
    assert volunteer_fact(education) is None  # completed by a citizen, not a peer: not a volunteer's fact
    assert volunteer_fact({**held, "type": "peer_activity.cancelled"}) is None


def test_the_event_feed_pages_the_committed_events_of_the_categories_asked():
    from runtime.messaging.feed import EventFeed

    app = in_memory(RolesBase)
    description = adopted(app)
    peer_id = str(uuid.uuid4())
    app._append(Peer.stream_of(peer_id), Peer.register({
        "kind": "paid", "title": "peer-støttemedarbejder", "name": "Peter Peer", "workplace": "Parkvænget"}),
        NO_STREAM)
    assert EventFeed.events_after(app)["events"] == []  # nothing committed yet
    app.db.commit()
    page = EventFeed.events_after(app, 0, 10, ["peer"])
    assert [e["type"] for e in page["events"]] == ["peer.registered"] and page["at_horizon"]
    assert page["scanned_to"] == 3  # past the description's two events it did not take
    assert [e["stream_version"] for e in EventFeed.stream_events(app, description.stream)] == [0, 1]
