"""Queues, messages and shovels on a test RabbitMQ node (admin.localnode): listen, publish with confirms, drain, count."""
from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from urllib.parse import quote

import pika


def connect(node, user: str = "peer", password: str = "peer") -> pika.BlockingConnection:
    return pika.BlockingConnection(pika.URLParameters(node.amqp_uri(user, password) + "?connection_attempts=3"))


def listen(node, exchange: str, routing_key: str = "#") -> str:
    """A durable test queue at `node` bound to `exchange` (it survives a restart of the node)."""
    name = f"test.{exchange}.{uuid.uuid4().hex[:8]}"
    with connect(node) as conn:
        channel = conn.channel()
        channel.queue_declare(name, durable=True, arguments={"x-queue-type": "quorum"})
        channel.queue_bind(name, exchange, routing_key)
    return name


def publish(node, exchange: str, routing_key: str, ids: list[str], **credentials) -> None:
    """Publishes one persistent message per id with publisher confirms (each one confirmed by the broker)."""
    with connect(node, **credentials) as conn:
        channel = conn.channel()
        channel.confirm_delivery()
        for message_id in ids:
            channel.basic_publish(exchange, routing_key, json.dumps({"event_id": message_id}).encode(),
                                  pika.BasicProperties(message_id=message_id, delivery_mode=2), mandatory=False)


def drain_messages(node, queue: str) -> list[tuple]:
    """Every message now in `queue` as (properties, body), acknowledged."""
    messages = []
    with connect(node) as conn:
        channel = conn.channel()
        while True:
            method, properties, body = channel.basic_get(queue)
            if method is None:
                return messages
            messages.append((properties, body))
            channel.basic_ack(method.delivery_tag)


def drain(node, queue: str) -> list[str]:
    """Every message id now in `queue` (acknowledged)."""
    return [properties.message_id for properties, _ in drain_messages(node, queue)]


def collect(node, queue: str, expected: int, timeout: float = 30, settle: float = 1.0) -> Counter:
    """Drains `queue` until `expected` messages arrived (then waits `settle` s more for any duplicate)."""
    seen: Counter = Counter()
    deadline = time.monotonic() + timeout
    while sum(seen.values()) < expected and time.monotonic() < deadline:
        seen.update(drain(node, queue))
        time.sleep(0.1)
    time.sleep(settle)
    seen.update(drain(node, queue))
    return seen


def depth(node, queue: str) -> int:
    with connect(node) as conn:
        return conn.channel().queue_declare(queue, passive=True).method.message_count


def shovel_parameter(node, name: str) -> str:
    return f"{node.management_url}/api/parameters/shovel/%2F/{quote(name, safe='')}"
