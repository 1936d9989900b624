"""What only the PostgreSQL store does: concurrent writers, immutability, the horizon of open transactions.
The cases every store passes are in test_store_contract.py."""
import time
import uuid

import psycopg
import pytest

from runtime import eventstore as es

METADATA = es.Metadata("roles", "region-1084", "user-1", uuid.uuid4())


def new_stream():
    return es.stream_name("function_description", uuid.uuid4())


def mode(value="both"):
    return es.NewEvent("function_description.support_mode_decided", {"support_mode": value})


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


def test_an_append_on_an_autocommit_connection_is_its_own_durable_transaction(database_url):
    """Issue 15 (appends): one statement, one round trip; visible to others at once, the version still checked."""
    from runtime import db

    stream = new_stream()
    with db.connect(database_url, autocommit=True) as conn, db.connect(database_url, autocommit=True) as other:
        [first] = es.append(conn, stream, [mode()], es.NO_STREAM, METADATA)
        assert conn.info.transaction_status.name == "IDLE"
        assert [e.event_id for e in es.read_stream(other, stream)] == [first.event_id]
        assert first.metadata == METADATA.as_json() and first.stream_version == 0
        with pytest.raises(es.ConcurrencyConflict):
            es.append(conn, stream, [mode("group")], es.NO_STREAM, METADATA)
        es.append(conn, stream, [mode("group")], 0, METADATA)
        assert es.current_version(other, stream) == 1
