"""A stream blocked behind a predecessor that never arrives is visible, and repaired from the source's feed."""
import json
import uuid

from prometheus_client import generate_latest
from typer.testing import CliRunner

from runtime import db, eventstore, metrics
from runtime.http.health import refresh_gauges
from tests.support.function_description_delivery import QUEUE, inbox_rows, publish, publish_description
from tests.support.instance import wait_until


def park(conn, stream, version, age_seconds):
    envelope = {"stream": stream, "stream_version": version, "type": "function_description.published"}
    conn.execute("INSERT INTO inbox_parked (consumer, stream_name, stream_version, envelope, parked_at) "
                 "VALUES (%s, %s, %s, %s, now() - make_interval(secs => %s))",
                 (QUEUE, stream, version, json.dumps(envelope), age_seconds))


def test_a_blocked_stream_is_listed_and_measured_without_its_id_in_the_metric(database_url, monkeypatch):
    """Guards issue 8 item 3 (visibility): parked events waited silently. A blocked stream now shows in
    `peer-admin blocked-streams` and as a gauge of its age by consumer and category (no stream id label:
    it can be a person id)."""
    from admin.cli import app

    person = str(uuid.uuid4())
    with db.connect(database_url) as conn:
        park(conn, f"person-{person}", 3, 120)
        park(conn, f"person-{person}", 4, 60)
        park(conn, f"function_description-{uuid.uuid4()}", 1, 5)
        refresh_gauges("notifications", conn)
    age = metrics.INBOX_BLOCKED_AGE.labels(QUEUE, "person")._value.get()
    assert 119 < age < 200
    assert metrics.INBOX_BLOCKED_STREAMS.labels(QUEUE, "person")._value.get() == 1
    assert person not in generate_latest().decode()

    monkeypatch.setenv("NOTIFICATIONS_DATABASE_URL", database_url)
    listed = CliRunner().invoke(app, ["blocked-streams", "notifications"], env={"COLUMNS": "250"})
    assert listed.exit_code == 0, listed.output
    assert f"person-{person}" in listed.output and "function_description-" in listed.output


def test_a_stream_whose_predecessor_was_lost_is_repaired_from_the_source_feed(instance):
    """Guards issue 8 item 3 (repair): an event ahead of a gap was parked until its predecessor came, and a
    predecessor that was dead-lettered never came. The consumer now reads the missing versions from the
    source's feed and the parked events are released."""
    instance.start_service("roles")
    instance.start_service("notifications", INBOX_REPAIR_AFTER="1")
    # The roles service records a publication; no relay runs, and the consumer caught up before it.
    wait_until(lambda: "caught up from feed" in instance.processes["notifications"].log(), message="caught up")
    publish_description(instance, "Parkvænget")
    with db.connect(instance.database_url("roles")) as conn:
        stream = conn.execute("SELECT stream_name FROM events WHERE event_type = 'function_description.published'"
                              ).fetchone()["stream_name"]
        recorded = eventstore.read_stream(conn, stream)
    # Only the last event reaches the consumer by the broker: its predecessors were dead-lettered.
    publish(instance, [(recorded[-1].envelope(), "application/json")])
    wait_until(lambda: len(inbox_rows(instance)) == 2, timeout=30, message="the gap repaired from the feed")
    with db.connect(instance.database_url("notifications")) as conn:
        assert conn.execute("SELECT count(*) AS n FROM inbox_parked").fetchone()["n"] == 0
        assert conn.execute("SELECT applied_version FROM inbox_streams WHERE stream_name = %s",
                            (stream,)).fetchone()["applied_version"] == recorded[-1].stream_version
