"""Malformed, oversized and hostile messages, published straight to a broker with pika.

Each must cause no crash and store nothing, and be dead-lettered at once (tests/faults/test_hostile_messages.py),
and the poison scenario of the fault suite sends them one by one while the real stream flows
(tests/faults/test_exactly_once.py). tests/e2e/test_delivery.py keeps the shallow case (three poison messages
at the notifications consumer); these are the depth.
"""
from __future__ import annotations

import json
import uuid

import pika

from tests.support.broker_node import connect

EXCHANGE = "roles.events"
ROUTING_KEY = "function_description.published"


def envelope(**changes) -> dict:
    """A well-formed function_description.published envelope of this instance, with `changes` applied."""
    body = {"event_id": str(uuid.uuid4()), "type": "function_description.published", "schema_version": 1,
            "stream": f"function_description-{uuid.uuid4()}", "stream_version": 0, "global_position": 1,
            "occurred_at": "2026-12-03T10:00:00+00:00", "source_service": "roles", "instance_id": "region-1084",
            "actor": "user-1", "correlation_id": str(uuid.uuid4()), "causation_id": None,
            "payload": {"revision": 1, "workplace": "Parkvænget", "support_mode": "both"}}
    body.update(changes)
    return body


def _json(body) -> bytes:
    return json.dumps(body).encode()


JSON = {"content_type": "application/json", "content_encoding": "utf-8"}

# name -> (body bytes, message properties). Every one is refused by the consumer, whatever it names.
MESSAGES: dict[str, tuple[bytes, dict]] = {
    "not JSON": (b"{this is not json", JSON),
    "JSON but not an object": (b"[1, 2, 3]", JSON),
    "invalid UTF-8": (b'{"event_id": "\xff\xfe"}', JSON),
    "NUL byte in a field": (_json(envelope(payload={"revision": 1, "workplace": "Park\u0000vej",
                                                    "support_mode": "both"})), JSON),
    "NUL byte in the stream name": (_json(envelope(stream=f"function_description-{uuid.uuid4()}\u0000x")), JSON),
    "lone surrogate": (_json(envelope(payload={"revision": 1, "workplace": "Park", "support_mode": "both"}))
                       .replace(b'"Park"', b'"Park\\ud800"'), JSON),
    "huge payload (2 MB)": (_json(envelope(payload={"revision": 1, "workplace": "x" * 2_000_000,
                                                    "support_mode": "both"})), JSON),
    "wrong types": (_json(envelope(stream_version="zero", schema_version="1")), JSON),
    "payload of the wrong type": (_json(envelope(payload={"revision": "one", "workplace": 7,
                                                          "support_mode": ["both"]})), JSON),
    "unknown event type": (_json(envelope(type="function_description.teleported")), JSON),
    "forged instance id": (_json(envelope(instance_id="region-1085")), JSON),
    "forged source service": (_json(envelope(source_service="courses")), JSON),
    "no headers at all": (_json(envelope()), {}),
    "text/plain": (_json(envelope()), {"content_type": "text/plain"}),
}


def publish(node, names: list[str] | None = None, exchange: str = EXCHANGE) -> list[str]:
    """Publish the named hostile messages (all by default) to the broker `node` (admin/localnode.py) with
    confirms and `mandatory`; returns the names."""
    names = list(MESSAGES) if names is None else names
    with connect(node) as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        for name in names:
            body, properties = MESSAGES[name]
            channel.basic_publish(exchange, ROUTING_KEY, body,
                                  pika.BasicProperties(delivery_mode=2, message_id=str(uuid.uuid4()), **properties),
                                  mandatory=True)
    return names
