"""What a region shares nationally is its own decision (NATIONAL_SHARE), applied at its relay; each shared fact
is numbered within its stream so the national inbox can restore order although the stream holds local events too."""
import json
import uuid

import pytest
from kombu import Connection, Exchange, Queue

from runtime import db, eventstore
from runtime.messaging.national_share import national_types, national_versions, shared_types
from tests.support.instance import Instance, wait_until

COMPLETION = "peer_education.completion_reported"


def test_default_is_every_national_fact_and_a_list_narrows_it():
    assert shared_types("") == shared_types("all") == frozenset(national_types())
    assert shared_types("none") == frozenset()
    assert shared_types(f" {COMPLETION} ,") == {COMPLETION}


@pytest.mark.parametrize("configured", ["peer_education.completed", "no_such.fact"])
def test_a_type_that_is_not_a_national_fact_is_refused(configured):
    """Guards: a typo or a local event type must not silently stop or widen what leaves the instance."""
    with pytest.raises(ValueError, match="NATIONAL_SHARE"):
        shared_types(configured)


def completions(conn, course: str, n: int) -> list:
    metadata = eventstore.Metadata("courses", "region-1084", "user-1", uuid.uuid4())
    recorded = []
    for i in range(n):
        recorded += eventstore.append(conn, f"peer_education-{course}", [
            eventstore.NewEvent("peer_education.completed", {
                "course_id": course, "participant_id": str(uuid.uuid4()), "peer_id": None,
                "completed_on": "2026-03-02", "sessions_attended": 8, "sessions_held": 8}),
            eventstore.NewEvent(COMPLETION, {"pseudonym": f"region-1084:p2:{'a' * 26}",
                                             "completed_on": "2026-03-02"})], None, metadata)
    return [e for e in recorded if e.type == COMPLETION]


def test_shared_facts_are_numbered_without_the_gaps_of_local_events(conn):
    """Guards: the source versions of shared facts are 1, 3, 5 (the local `completed` between them); sent as
    they are, the national inbox would park every fact after the first for ever."""
    shared = completions(conn, str(uuid.uuid4()), 3)
    assert [e.stream_version for e in shared] == [1, 3, 5]
    versions = national_versions(conn, shared, frozenset({COMPLETION}))
    assert [versions[e.event_id] for e in shared] == [0, 1, 2]


@pytest.mark.parametrize("share, arrives", [(COMPLETION, True), ("function_description.shared_nationally", False)])
def test_the_relay_publishes_nationally_only_what_the_instance_shares(tmp_path, share, arrives):
    region = Instance("region-1084", ("courses",), tmp_path, environment={"NATIONAL_SHARE": share}).create()
    try:
        with Connection(region.amqp_uri) as broker:
            national = Queue(f"test.national.{uuid.uuid4().hex[:6]}", Exchange("national.events", "topic", durable=True),
                             routing_key="#", channel=broker.default_channel)
            national.declare()
            with db.connect(region.database_url("courses")) as conn:
                sent = completions(conn, str(uuid.uuid4()), 1)
                conn.commit()
            region.start_relay("courses")
            wait_until(lambda: _published(region, sent), 20, message="relay published the course events")
            message = national.get(no_ack=True)
            if not arrives:
                assert message is None, "a fact the instance does not share left it"
                return
            envelope = json.loads(message.body)
            assert (envelope["event_id"], envelope["stream_version"]) == (str(sent[0].event_id), 0)
            assert envelope["stream"].startswith("peer_education-region-1084:p2:")
            assert national.get() is None
    finally:
        region.destroy()


def _published(region, events) -> bool:
    with db.connect(region.database_url("courses")) as conn:
        row = conn.execute("SELECT global_position FROM relay_checkpoints").fetchone()
    return row is not None and row["global_position"] >= events[-1].global_position
