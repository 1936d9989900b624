"""The feed and the relay refuse a PostgreSQL server in recovery (a hot standby), tried on a real one."""
import time
import uuid

import pytest

from runtime import db, eventstore
from runtime.messaging.relay import Relay
from tests.support import private_postgres
from tests.support.private_postgres import PrivatePostgres

pytestmark = pytest.mark.skipif(not private_postgres.available(), reason="PostgreSQL server binaries not installed")


@pytest.fixture(scope="module")
def primary_and_standby():
    primary = PrivatePostgres().init().start()
    try:
        url = primary.url("feed")
        db.create_database(url)
        db.migrate(url)
        with db.connect(url) as conn:
            eventstore.append(conn, f"person-{uuid.uuid4()}", [eventstore.NewEvent(
                "person.erased", {"basis": "data_subject_request", "keys_destroyed": True})], None,
                eventstore.Metadata("roles", "region-1084", "test", uuid.uuid4()))
        standby = primary.standby()
        try:
            yield url, standby.url("feed")
        finally:
            standby.destroy()
    finally:
        primary.destroy()


def test_the_feed_refuses_a_hot_standby(primary_and_standby):
    """Guards issue 8 item 5: on a standby the horizon collapses to xmax, so a feed read there would skip
    events still in progress on the primary. The primary answers; the standby refuses with the reason."""
    primary, standby = primary_and_standby
    with db.connect(primary) as conn:
        assert len(eventstore.read_page(conn).events) == 1
    deadline = time.monotonic() + 30
    while True:  # the standby has replayed the event store's schema (it may lag a moment)
        try:
            with db.connect(standby) as conn:
                conn.execute("SELECT 1 FROM events LIMIT 1")
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    with db.connect(standby) as conn, pytest.raises(eventstore.ServerInRecovery, match="hot standby"):
        eventstore.read_page(conn)


def test_the_relay_refuses_to_start_on_a_hot_standby(primary_and_standby):
    _, standby = primary_and_standby
    relay = Relay("roles", standby, "amqp://guest:guest@127.0.0.1:1/none", poll_interval=0.05)
    with pytest.raises(eventstore.ServerInRecovery):
        relay.run()  # before it takes the lead or touches the broker


def test_a_relay_refused_by_a_standby_exits_instead_of_retrying(monkeypatch):
    relay = Relay("roles", "postgresql://unused", "amqp://unused")

    def refused():
        raise eventstore.ServerInRecovery()

    monkeypatch.setattr(relay, "run", refused)
    with pytest.raises(SystemExit) as exit_:
        relay.run_forever()
    assert exit_.value.code == 2
