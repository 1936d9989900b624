"""Delivery through the broker: queues declared before anyone publishes, duplicates and reordering,
poison messages and failing handlers dead-lettered, and replayed from there."""
from runtime import db
from admin import deadletters
from tests.support.function_description_delivery import QUEUE, envelopes, inbox_rows, publish
from tests.support.instance import wait_until
from tests.support.replicas import consumer_applied


def applied_versions(instance):
    with db.connect(instance.database_url("notifications")) as conn:
        return {r["stream_name"]: r["applied_version"] for r in conn.execute(
            "SELECT stream_name, applied_version FROM inbox_streams WHERE consumer = %s", (QUEUE,)).fetchall()}


def test_events_wait_in_declared_queues_until_the_consumer_starts(instance):
    """Also guards issue 8 item 14: a drained queue alone passed when every event was dead-lettered; the
    events must have been applied, and nothing may wait in the dead-letter queue."""
    instance.start_service("roles")
    instance.start_relay("roles")
    adopted = instance.call("POST", "roles", "/function-descriptions", json={"workplace": "Parkvænget"})
    assert adopted.status_code == 201
    wait_until(lambda: instance.queue_depth(QUEUE) >= 2, message="events queued for a consumer not yet started")
    queued = instance.queue_depth(QUEUE)
    instance.start_service("notifications")
    stream = f"function_description-{adopted.json()['id']}"
    wait_until(lambda: applied_versions(instance) == {stream: queued - 1}, message="every queued event applied")
    assert instance.queue_depth(QUEUE) == 0
    assert instance.queue_depth(QUEUE + ".dead-letter") == 0


def test_duplicated_and_reordered_delivery_gives_the_in_order_result(instance):
    instance.start_service("notifications")
    stream = envelopes()
    order = [4, 2, 4, 1, 3, 0, 2, 0, 4]  # out of order, with duplicates
    publish(instance, [(stream[i], "application/json") for i in order])
    wait_until(lambda: len(inbox_rows(instance)) == 4, message="both publications notified")
    assert [r["body"].split("\n")[0] for r in inbox_rows(instance)] == [
        "Funktionsbeskrivelsen for Parkvænget er nu offentliggjort (version 1)."] * 2 + [
        "Funktionsbeskrivelsen for Parkvænget er nu offentliggjort (version 2)."] * 2
    with db.connect(instance.database_url("notifications")) as conn:
        state = conn.execute("SELECT applied_version FROM inbox_streams").fetchall()
        assert [r["applied_version"] for r in state] == [4]
        assert conn.execute("SELECT count(*) AS n FROM inbox_parked").fetchone()["n"] == 0
    assert instance.queue_depth(QUEUE + ".dead-letter") == 0


def test_poison_messages_are_dead_lettered_and_the_consumer_goes_on(instance):
    instance.start_service("notifications")
    bad_version = envelopes()[0] | {"schema_version": 9}
    publish(instance, [("not an envelope", "text/plain"), (bad_version, "application/json"),
                       ({"type": "function_description.published"}, "application/json")])
    wait_until(lambda: instance.queue_depth(QUEUE + ".dead-letter") == 3, message="poison dead-lettered")
    publish(instance, [(e, "application/json") for e in envelopes(workplace="Efter giften")[:3]])
    wait_until(lambda: len(inbox_rows(instance)) == 2, message="a valid event after the poison applied")


def test_failing_handler_is_dead_lettered_after_the_delivery_limit_then_replayed(instance):
    instance.start_service("notifications")
    with db.connect(instance.database_url("notifications"), autocommit=True) as conn:
        # A fault in the consumer: its insert fails for this workplace until ops fix it.
        conn.execute("ALTER TABLE inbox_messages ADD CONSTRAINT simulated_bug CHECK (subject NOT LIKE '%%Fejlsted%%')")
    publish(instance, [(e, "application/json") for e in envelopes(workplace="Fejlsted")[:3]])
    wait_until(lambda: instance.queue_depth(QUEUE + ".dead-letter") == 1, timeout=60,
               message="the failing event dead-lettered after its delivery limit")
    assert inbox_rows(instance) == []
    with db.connect(instance.database_url("notifications"), autocommit=True) as conn:
        conn.execute("ALTER TABLE inbox_messages DROP CONSTRAINT simulated_bug")
    assert deadletters.replay(instance.amqp_uri, QUEUE) == 1
    wait_until(lambda: len(inbox_rows(instance)) == 2, message="the replayed event applied")
    assert instance.queue_depth(QUEUE + ".dead-letter") == 0


def test_metrics_show_outbox_lag_consumer_activity_and_dead_letters(instance):
    instance.start_service("roles")
    instance.start_service("notifications")
    assert instance.call("GET", "roles", "/metrics", roles=("leader",)).status_code == 403
    instance.call("POST", "roles", "/function-descriptions", json={"workplace": "Parkvænget"})
    before = instance.call("GET", "roles", "/metrics", roles=("admin",)).text
    assert 'outbox_lag_events{service="roles"} 2.0' in before  # no relay yet: two events wait
    instance.start_relay("roles")
    wait_until(lambda: 'outbox_lag_events{service="roles"} 0.0' in
               instance.call("GET", "roles", "/metrics", roles=("admin",)).text, message="outbox drained")
    publish(instance, [("not an envelope", "text/plain")])
    wait_until(lambda: instance.queue_depth(QUEUE + ".dead-letter") == 1, message="dead-lettered")
    consumer = instance.call("GET", "notifications", "/metrics", roles=("admin",)).text
    assert f'dead_letter_depth{{queue="{QUEUE}.dead-letter"}} 1.0' in consumer
    assert f'consumer_applied_events_total{{consumer="{QUEUE}"}}' in consumer
    assert f'consumer_handler_seconds_count{{consumer="{QUEUE}"}}' in consumer


def test_deliveries_of_one_stream_in_stream_order_are_applied_without_parking(instance):
    """Issue 15: workers ran a stream's deliveries concurrently, so the later event often took the inbox's
    row lock first and was parked (and committed) while the earlier one waited: one more commit on the
    path. The consumer now runs one stream's deliveries one after another, other streams in parallel."""
    instance.start_service("notifications")
    streams = [envelopes() for _ in range(4)]
    publish(instance, [(e, "application/json") for stream in streams for e in stream])
    wait_until(lambda: applied_versions(instance) == {s[0]["stream"]: 4 for s in streams},
               message="every event applied")
    assert consumer_applied(instance, "notifications", QUEUE) == 20.0
    metrics = instance.call("GET", "notifications", "/metrics", roles=("admin",)).text
    assert f'consumer_parked_events_total{{consumer="{QUEUE}"}}' not in metrics or \
        f'consumer_parked_events_total{{consumer="{QUEUE}"}} 0.0' in metrics


def applied_metric_settles_at(instance, expected: float) -> float:
    """`consumer_applied_events_total` once it has reached `expected` (it is counted just after the commit the
    test saw), or what it is after the wait: a counter only grows, so more than expected shows at once."""
    wait_until(lambda: consumer_applied(instance, "notifications", QUEUE) >= expected, timeout=10,
               message="the applied events counted")
    return consumer_applied(instance, "notifications", QUEUE)


def test_parked_events_are_counted_as_applied_when_their_gap_is_filled(instance):
    """`consumer_applied_events_total` counted one per delivery that applied anything: the four events parked
    ahead of the stream's first and released by it were applied but never counted. Duplicates count nothing."""
    instance.start_service("notifications")
    stream = envelopes()
    publish(instance, [(stream[i], "application/json") for i in (4, 3, 2, 1, 4, 0, 2)])
    wait_until(lambda: applied_versions(instance) == {stream[0]["stream"]: 4}, message="every event applied")
    assert applied_metric_settles_at(instance, 5.0) == 5.0


def test_an_application_rolled_back_is_counted_when_it_commits(instance):
    """The first event releases the parked ones in its transaction; the commit fails (a deferred check, run at
    commit), so all five roll back at each delivery until the delivery limit. Counted when the handlers ran,
    each attempt would add five; counted once committed, the replay's commit gives five in all."""
    instance.start_service("notifications")
    with db.connect(instance.database_url("notifications"), autocommit=True) as conn:
        conn.execute("CREATE FUNCTION simulated_bug() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                     "IF NEW.subject LIKE '%%Fejlsted%%' THEN RAISE EXCEPTION 'simulated bug'; END IF; "
                     "RETURN NEW; END $$")
        conn.execute("CREATE CONSTRAINT TRIGGER simulated_bug AFTER INSERT ON inbox_messages "
                     "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION simulated_bug()")
    stream = envelopes(workplace="Fejlsted")
    publish(instance, [(stream[i], "application/json") for i in (1, 2, 3, 4, 0)])
    wait_until(lambda: instance.queue_depth(QUEUE + ".dead-letter") == 1, timeout=60,
               message="the first event dead-lettered, its released successors rolled back with it")
    assert applied_versions(instance) == {stream[0]["stream"]: -1}
    assert consumer_applied(instance, "notifications", QUEUE) == 0.0
    with db.connect(instance.database_url("notifications"), autocommit=True) as conn:
        conn.execute("DROP TRIGGER simulated_bug ON inbox_messages")
    assert deadletters.replay(instance.amqp_uri, QUEUE) == 1
    wait_until(lambda: applied_versions(instance) == {stream[0]["stream"]: 4}, message="the replayed stream applied")
    assert applied_metric_settles_at(instance, 5.0) == 5.0
