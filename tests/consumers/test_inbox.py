"""The inbox against a real database: duplicated and reordered deliveries give the in-order result."""
import random
import uuid

import pytest

from runtime.eventstore import inbox


def stream_events(stream, count):
    return [{"event_id": str(uuid.uuid4()), "stream": stream, "stream_version": v, "type": "x.y",
             "payload": {"n": v}} for v in range(count)]


@pytest.fixture
def applied_log(conn):
    conn.execute("CREATE TABLE applied (stream text, n int, position serial)")
    conn.commit()

    def handler(envelope):
        conn.execute("INSERT INTO applied (stream, n) VALUES (%s, %s)", (envelope["stream"], envelope["payload"]["n"]))

    def applied(stream):
        return [r["n"] for r in conn.execute("SELECT n FROM applied WHERE stream = %s ORDER BY position",
                                             (stream,)).fetchall()]
    return handler, applied


def test_duplicates_are_skipped(conn, applied_log):
    handler, applied = applied_log
    events = stream_events("function_description-a", 3)
    outcomes = [inbox.apply_once(conn, "c", e, handler) for e in events + events + [events[1]]]
    conn.commit()
    assert outcomes[:3] == [inbox.APPLIED] * 3 and set(outcomes[3:]) == {inbox.DUPLICATE}
    assert applied("function_description-a") == [0, 1, 2]


def test_reordered_deliveries_are_applied_in_stream_order(conn, applied_log):
    handler, applied = applied_log
    rng = random.Random(7)
    streams = [f"function_description-{i}" for i in range(5)]
    deliveries = [e for s in streams for e in stream_events(s, 8)]
    deliveries += rng.sample(deliveries, 15)  # duplicates too
    rng.shuffle(deliveries)
    for envelope in deliveries:
        inbox.apply_once(conn, "c", envelope, handler)
    conn.commit()
    for stream in streams:
        assert applied(stream) == list(range(8))
    assert inbox.parked_count(conn) == 0


def test_an_event_ahead_of_a_gap_waits_for_it(conn, applied_log):
    handler, applied = applied_log
    first, second, third = stream_events("function_description-g", 3)
    assert inbox.apply_once(conn, "c", third, handler) == inbox.PARKED
    assert inbox.apply_once(conn, "c", second, handler) == inbox.PARKED
    assert applied("function_description-g") == []
    assert inbox.parked_count(conn, "c") == 2
    assert inbox.apply_once(conn, "c", first, handler) == inbox.APPLIED
    assert applied("function_description-g") == [0, 1, 2]
    assert inbox.parked_count(conn, "c") == 0


def test_consumers_keep_separate_positions(conn, applied_log):
    handler, applied = applied_log
    event = stream_events("function_description-s", 1)[0]
    assert inbox.apply_once(conn, "one", event, handler) == inbox.APPLIED
    assert inbox.apply_once(conn, "two", event, handler) == inbox.APPLIED
    assert applied("function_description-s") == [0, 0]


def test_a_failing_handler_records_nothing(conn, applied_log):
    handler, applied = applied_log
    event = stream_events("function_description-f", 1)[0]

    def failing(envelope):
        handler(envelope)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        inbox.apply_once(conn, "c", event, failing)
    conn.rollback()
    assert inbox.apply_once(conn, "c", event, handler) == inbox.APPLIED
    conn.commit()
    assert applied("function_description-f") == [0]


class Counting:
    """The connection, counting the statements sent (each one round trip)."""

    def __init__(self, conn):
        self.conn, self.statements = conn, 0

    def execute(self, *args, **kwargs):
        self.statements += 1
        return self.conn.execute(*args, **kwargs)


def test_an_event_in_order_costs_two_statements(conn, applied_log):
    """Issue 15: recording the version applied and releasing what was parked behind it are one statement."""
    handler, applied = applied_log
    counting = Counting(conn)
    first, second = stream_events("function_description-r", 2)
    assert inbox.apply_once(counting, "c", first, lambda envelope: None) == inbox.APPLIED
    assert counting.statements == 2
    assert inbox.apply_once(conn, "c", second, handler) == inbox.APPLIED  # the version was recorded
    assert inbox.apply_once(conn, "c", second, handler) == inbox.DUPLICATE
    conn.commit()
    assert applied("function_description-r") == [1]
