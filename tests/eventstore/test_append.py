"""Appends with expected versions, stream reads, immutability, validation on write and read."""
import time
import uuid

import psycopg
import pytest

import contracts
from runtime import eventstore as es

METADATA = es.Metadata("roles", "region-1084", "user-1", uuid.uuid4())
ADOPTED = {"template_id": "t", "template_version": 1, "workplace": "Parkvænget", "title": "Funktionsbeskrivelse"}


def new_stream():
    return es.stream_name("function_description", uuid.uuid4())


def mode(value="both"):
    return es.NewEvent("function_description.support_mode_decided", {"support_mode": value})


def test_append_and_read_back_with_full_envelope(conn):
    stream = new_stream()
    recorded = es.append(conn, stream, [es.NewEvent("function_description.adopted", ADOPTED), mode()],
                         es.NO_STREAM, METADATA)
    conn.commit()
    assert [e.stream_version for e in recorded] == [0, 1]
    events = es.read_stream(conn, stream)
    assert [e.type for e in events] == ["function_description.adopted", "function_description.support_mode_decided"]
    envelope = events[0].envelope()
    assert set(envelope) == {"event_id", "type", "schema_version", "stream", "stream_version", "global_position",
                             "occurred_at", "source_service", "instance_id", "actor", "correlation_id",
                             "causation_id", "payload"}
    assert envelope["instance_id"] == "region-1084"
    assert envelope["correlation_id"] == str(METADATA.correlation_id)
    from contracts.envelope import read_envelope

    assert read_envelope(envelope)["payload"] == ADOPTED
    assert es.read_stream(conn, stream, after_version=0) == events[1:]


@pytest.mark.parametrize("expected", [es.NO_STREAM, 0, 5])
def test_stale_expected_version_is_a_conflict_and_stores_nothing(conn, expected):
    stream = new_stream()
    es.append(conn, stream, [mode(), mode("group")], es.NO_STREAM, METADATA)
    conn.commit()
    with pytest.raises(es.ConcurrencyConflict) as raised:
        es.append(conn, stream, [mode("individual")], expected, METADATA)
    conn.rollback()
    assert raised.value.stream == stream
    assert [e.payload["support_mode"] for e in es.read_stream(conn, stream)] == ["both", "group"]


def test_concurrent_writers_at_the_same_version_one_wins(database_url):
    import threading

    from runtime import db

    stream = new_stream()
    with db.connect(database_url) as setup:
        es.append(setup, stream, [mode()], es.NO_STREAM, METADATA)
        setup.commit()
    outcomes = []

    def write(value, hold):
        with db.connect(database_url) as conn:
            try:
                es.append(conn, stream, [mode(value)], 0, METADATA)
                hold.wait(5)
                conn.commit()
                outcomes.append(value)
            except es.ConcurrencyConflict:
                outcomes.append("conflict")

    first_may_commit = threading.Event()
    first = threading.Thread(target=write, args=("group", first_may_commit))
    first.start()
    released = threading.Event()
    released.set()
    second = threading.Thread(target=write, args=("individual", released))
    second.start()  # whichever appends second blocks on the unique (stream, version) index
    time.sleep(0.2)
    first_may_commit.set()
    first.join()
    second.join()
    assert len(outcomes) == 2 and outcomes.count("conflict") == 1
    winner = next(o for o in outcomes if o != "conflict")
    with db.connect(database_url) as conn:
        assert [e.payload["support_mode"] for e in es.read_stream(conn, stream)] == ["both", winner]


def test_any_version_appends_without_check(conn):
    stream = new_stream()
    es.append(conn, stream, [mode()], es.ANY_VERSION, METADATA)
    es.append(conn, stream, [mode()], es.ANY_VERSION, METADATA)
    assert es.current_version(conn, stream) == 1


def test_duplicate_event_id_is_refused(conn):
    event = mode()
    es.append(conn, new_stream(), [event], es.NO_STREAM, METADATA)
    with pytest.raises(es.DuplicateEvent):
        es.append(conn, new_stream(), [es.NewEvent(event.type, event.payload, event_id=event.event_id)],
                  es.NO_STREAM, METADATA)


def test_invalid_payload_is_refused_naming_the_field(conn):
    with pytest.raises(contracts.InvalidPayload) as raised:
        es.append(conn, new_stream(), [es.NewEvent("function_description.support_mode_decided",
                                                   {"support_mode": "sometimes"})], es.NO_STREAM, METADATA)
    assert raised.value.field == "payload.support_mode"
    with pytest.raises(contracts.UnknownEventType):
        es.append(conn, new_stream(), [es.NewEvent("function_description.vanished", {})], es.NO_STREAM, METADATA)
    with pytest.raises(contracts.UnknownSchemaVersion):
        es.append(conn, new_stream(), [es.NewEvent("function_description.support_mode_decided",
                                                   {"support_mode": "both"}, schema_version=7)],
                  es.NO_STREAM, METADATA)


def test_event_must_belong_to_its_stream_category(conn):
    with pytest.raises(ValueError):
        es.append(conn, "peer-1", [mode()], es.NO_STREAM, METADATA)


def test_events_are_immutable(conn):
    es.append(conn, new_stream(), [mode()], es.NO_STREAM, METADATA)
    conn.commit()
    for statement in ("UPDATE events SET payload = '{}'", "DELETE FROM events", "TRUNCATE events"):
        with pytest.raises(psycopg.errors.RestrictViolation):
            conn.execute(statement)
        conn.rollback()
    assert len(es.read_all(conn)) == 1


def test_reader_does_not_see_uncommitted_or_below_horizon_events(database_url):
    from runtime import db

    with db.connect(database_url) as writer, db.connect(database_url, autocommit=True) as reader:
        es.append(writer, new_stream(), [mode()], es.NO_STREAM, METADATA)  # open transaction
        with db.connect(database_url) as later:
            es.append(later, new_stream(), [mode()], es.NO_STREAM, METADATA)
            later.commit()
        # The later transaction committed, but an earlier one is still open: the feed waits for it.
        assert es.read_all(reader) == []
        writer.commit()
        assert len(es.read_all(reader)) == 2
