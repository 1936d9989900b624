"""A long transaction in ANOTHER database of the same PostgreSQL server must not stop a relay.

The feed reads below `pg_snapshot_xmin(pg_current_snapshot())` (runtime/eventstore/postgres.py, read_all) so
that no event committed late is skipped. Transaction ids are cluster-wide, though: a transaction that
holds an xid in any database of the server (another service's, another instance's, an operator's
psql session, a hung test) holds that horizon back for every database, and every relay and event
feed on the server stops until it ends. This test opens such a transaction in the `counter` database
and checks that the roles relay still publishes what the roles service commits.
"""
import time
import uuid

import pytest

from runtime import db, eventstore
from runtime.eventstore.notifier import CHANNEL
from tests.faults.harness import COUNTER, stream_events

pytestmark = pytest.mark.fault


def test_relay_is_not_stalled_by_a_long_transaction_in_another_database(counting_instance, capsys):
    instance = counting_instance
    instance.start_relay("roles")
    roles = db.connect(instance.database_url("roles"), autocommit=True)
    other = db.connect(instance.database_url(COUNTER))  # another database on the same server

    def checkpoint() -> int:
        row = roles.execute("SELECT global_position AS g FROM relay_checkpoints").fetchone()
        return row["g"] if row else 0

    def append(count: int) -> int:
        metadata = eventstore.Metadata("roles", instance.instance_id, "fault-test", uuid.uuid4())
        stream = eventstore.stream_name("function_description", uuid.uuid4())
        with roles.transaction():
            recorded = eventstore.append(roles, stream, [stream_events(0, step) for step in range(count)],
                                         eventstore.NO_STREAM, metadata)
        roles.execute(f"NOTIFY {CHANNEL}")
        return recorded[-1].global_position

    def published(position: int, timeout: float) -> float | None:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if checkpoint() >= position:
                return time.monotonic() - started
            time.sleep(0.1)
        return None

    try:
        assert published(append(3), timeout=30) is not None, "the relay does not publish at all"
        # A transaction in the other database that wrote something (so it holds an xid) and stays open.
        other.execute("INSERT INTO applied_events (event_id, event_type, stream, stream_version) "
                      "VALUES (%s, 'x', 'x', 0)", (uuid.uuid4(),))
        xid = other.execute("SELECT pg_current_xact_id()::text AS xid").fetchone()["xid"]
        stalled = published(append(3), timeout=10)
    finally:
        other.rollback()
        other.close()
    caught_up = published(roles.execute("SELECT max(global_position) AS g FROM events").fetchone()["g"], 30)
    roles.close()
    with capsys.disabled():
        print(f"\n[feed-horizon] open transaction xid={xid} in database {instance.db_prefix}{COUNTER}: "
              f"roles relay published within {'%.1fs' % stalled if stalled is not None else 'NOT within 10s'}; "
              f"after it ended, caught up in {caught_up if caught_up is None else round(caught_up, 1)}s")
    assert stalled is not None, (
        "BUG (runtime/eventstore/postgres.py read_all): the roles relay stopped publishing while a transaction in "
        "ANOTHER database was open, and caught up only after it ended: pg_snapshot_xmin is cluster-wide. "
        "Bound the horizon by in-progress xids that may belong to this database instead (see the report).")
