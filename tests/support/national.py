"""What leaves an instance: a test queue bound to `national.events` of an instance's vhost."""
from __future__ import annotations

import json
import uuid

from kombu import Connection, Exchange, Queue


def national_queue(amqp_uri: str) -> Queue:
    queue = Queue(f"test-national-{uuid.uuid4()}", exchange=Exchange("national.events", type="topic", durable=True),
                  routing_key="#", durable=False, auto_delete=False)
    with Connection(amqp_uri) as conn:
        queue.bind(conn.default_channel).declare()
    return queue


def drain(amqp_uri: str, queue: Queue) -> list[dict]:
    bodies = []
    with Connection(amqp_uri) as conn:
        bound = queue.bind(conn.default_channel)
        while (message := bound.get(no_ack=True)) is not None:
            bodies.append(json.loads(message.body))
    return bodies
