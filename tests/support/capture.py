"""A capture queue for what an instance publishes: bound to each given exchange (routing key `#`) before
anything publishes, so every message is captured; read it with `kombu.Queue(name).get`."""
from __future__ import annotations

from kombu import Connection, Exchange, Queue


def bind_capture_queue(amqp_uri: str, queue: str, exchanges) -> None:
    with Connection(amqp_uri) as conn:
        channel = conn.default_channel
        for name in exchanges:
            exchange = Exchange(name, type="topic", durable=True)
            exchange.declare(channel=channel)
            Queue(queue, exchange, routing_key="#", durable=False).bind(channel).declare()
