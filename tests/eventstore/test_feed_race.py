"""Concurrent writers race a follower that reads by position: it must see every event exactly once,
in commit order, although global positions are taken before commits and commit out of order."""
import uuid
import subprocess
import sys
import time

from runtime import eventstore as es
from tests.support.instance import ROOT

WRITERS, TRANSACTIONS, PER_TRANSACTION = 4, 1300, 2  # 10,400 events


def test_follower_sees_every_event_once_in_commit_order(conn, database_url):
    writers = [subprocess.Popen([sys.executable, "-m", "tests.support.race_writer", database_url, str(w),
                                 str(TRANSACTIONS), str(PER_TRANSACTION)], cwd=ROOT)
               for w in range(WRITERS)]
    conn.autocommit = True
    seen, order = [], []
    position = es.START
    while True:
        writers_done = all(w.poll() is not None for w in writers)
        batch = es.read_all(conn, position, limit=300)
        for event in batch:
            seen.append(event.event_id)
            order.append(event.position)
        if batch:
            position = batch[-1].position
        elif writers_done:
            break
        else:
            time.sleep(0.001)
    assert [w.returncode for w in writers] == [0] * WRITERS

    stored = conn.execute("SELECT event_id, global_position FROM events").fetchall()
    expected = WRITERS * TRANSACTIONS * PER_TRANSACTION
    assert len(stored) == expected
    missed = {r["event_id"] for r in stored} - set(seen)
    assert len(missed) == 0, f"the follower skipped {len(missed)} events committed behind its position"
    assert len(seen) == len(set(seen)) == expected, "an event was delivered twice"
    assert order == sorted(order), "the feed went backwards"
    # The race was real: positions were committed out of order, so reading by global position alone
    # would have skipped events.
    by_commit = [p.global_position for p in order]
    assert by_commit != sorted(by_commit), "writers never committed out of order; the test proves nothing"


def test_stream_order_within_the_feed(conn):
    metadata = es.Metadata("roles", "region-1084", "t", uuid.uuid4())
    stream = es.stream_name("function_description", uuid.uuid4())
    for version in range(5):
        es.append(conn, stream, [es.NewEvent("function_description.support_mode_decided", {"support_mode": "group"})],
                  version - 1, metadata)
        conn.commit()
    events = es.read_all(conn)
    assert [e.stream_version for e in events] == [0, 1, 2, 3, 4]
    assert es.read_all(conn, events[2].position) == events[3:]
    assert es.read_all(conn, es.position_of(conn, events[2].global_position)) == events[3:]
