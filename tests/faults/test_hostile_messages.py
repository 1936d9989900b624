"""Bad input at depth (issue 15 item 6): malformed, oversized and hostile messages published straight to the
broker with pika (tests/faults/hostile.py) at the `counter` consumer, which stores a row for every event it
applies. Each must crash nothing, store nothing, and be dead-lettered at once (one delivery, x-death reason
`rejected`), with a log line that names the refused field and the reason and carries none of the content.
A valid event sent after them is applied: the consumer goes on.

tests/e2e/test_delivery.py keeps the shallow case (three poison messages at the notifications consumer).
Without the checks of runtime/messaging/consumer.py `checked_envelope`, the NUL bytes, the lone surrogate,
the 2 MB payload and the forged instance and source were applied (rows stored) or retried to the delivery
limit.
"""
import json

import pika
import pytest

from runtime import db
from tests.faults import hostile
from tests.faults.harness import COUNTER, COUNTER_QUEUE
from tests.support.broker_node import connect, drain_messages
from tests.support.instance import wait_until

pytestmark = pytest.mark.fault


def test_hostile_messages_are_dead_lettered_at_once_and_store_nothing(counting_instance):
    instance = counting_instance
    node = instance.rig.broker.node
    counter = instance.start_counter()
    names = hostile.publish(node)
    wait_until(lambda: instance.queue_depth(COUNTER_QUEUE + ".dead-letter") >= len(names), timeout=90,
               message="every hostile message dead-lettered")

    # A valid event of this instance after them is applied: the consumer goes on.
    valid = hostile.envelope()
    with connect(node) as connection:
        connection.channel().basic_publish(hostile.EXCHANGE, hostile.ROUTING_KEY, json.dumps(valid).encode(),
                                           pika.BasicProperties(delivery_mode=2, **hostile.JSON))
    with db.connect(instance.database_url(COUNTER), autocommit=True) as conn:
        wait_until(lambda: conn.execute("SELECT count(*) AS n FROM applied_events").fetchone()["n"] >= 1,
                   timeout=60, message="the valid event applied")
        stored = conn.execute("SELECT event_id::text AS id FROM applied_events").fetchall()
        deliveries = conn.execute("SELECT count(*) AS n FROM deliveries").fetchone()["n"]

    assert counter.running, f"the consumer died:\n{counter.log()[-3000:]}"
    assert [row["id"] for row in stored] == [valid["event_id"]], "a hostile message was stored"
    assert deliveries == 1
    dead = drain_messages(node, COUNTER_QUEUE + ".dead-letter")
    assert len(dead) == len(names), f"{len(dead)} dead letters for {len(names)} hostile messages"
    for properties, _ in dead:
        death = (properties.headers or {}).get("x-death", [{}])[0]
        assert death.get("reason") == "rejected" and death.get("queue") == COUNTER_QUEUE, death
        assert death.get("count") == 1, f"retried before it was dead-lettered: {death}"

    log = counter.log()
    refusals = [json.loads(line) for line in log.splitlines()
                if line.startswith("{") and "dead-letter queue" in line]
    assert len(refusals) == len(names)
    assert all(r.get("reason") or r.get("error") for r in refusals), "a refusal without its reason"
    reasons = {r.get("field"): r.get("reason") for r in refusals}
    assert reasons.get("instance_id") == "not this instance's"
    assert reasons.get("body", "").startswith("larger than")
    assert any("NUL" in (r or "") for r in reasons.values()) and any("surrogate" in (r or "") for r in reasons.values())
    assert "Parkvænget" not in log and "Park\\u0000vej" not in log, "message content in the log"

