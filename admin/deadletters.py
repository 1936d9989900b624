"""Dead-letter queues: inspect what waits there, and replay it to the consumer queue it came from."""
from __future__ import annotations

from kombu import Connection

from runtime.messaging.topology import DEAD_LETTER_EXCHANGE
from admin.services import all_queues

SUFFIX = ".dead-letter"


def peek_all(amqp_uri: str, show: int = 20):
    """(queue, depth, [(event type, event id)]) for each dead-letter queue; messages stay queued."""
    found = []
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        for queue in all_queues():
            if not queue.name.endswith(SUFFIX):
                continue
            _, depth, _ = channel.queue_declare(queue.name, passive=True)
            waiting = [(headers.get("event_type"), message_id)
                       for message_id, headers, _ in _peek(channel, queue.name, min(depth, show))]
            found.append((queue.name, depth, waiting))
        channel.close()
    return found


def _peek(channel, queue: str, limit: int) -> list[tuple[str | None, dict, bytes]]:
    """(message id, headers, body) of up to `limit` messages, all put back in their order (nothing is acked)."""
    messages = []
    for _ in range(limit):
        message = channel.basic_get(queue, no_ack=False)
        if message is None:
            break
        messages.append(message)
    for message in messages:
        channel.basic_reject(message.delivery_tag, requeue=True)
    return [(m.properties.get("message_id"), m.properties.get("application_headers") or {}, m.body)
            for m in messages]


def show(amqp_uri: str, consumer_queue: str, limit: int = 20) -> list[dict]:
    """Why each dead letter of `consumer_queue` died: event id and type, the broker's reason and count, when
    it died first, and the payload's field names. Never the values: a payload may carry sealed personal data."""
    import json

    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        channel.queue_declare(consumer_queue + SUFFIX, passive=True)  # an unknown queue is an error, not "empty"
        messages = _peek(channel, consumer_queue + SUFFIX, limit)
        channel.close()
    shown = []
    for message_id, headers, body in messages:
        death = (headers.get("x-death") or [{}])[0]
        try:
            payload = json.loads(body)
        except (TypeError, ValueError):
            payload = None
        fields = sorted((payload.get("payload") or payload) if isinstance(payload, dict) else {})
        shown.append({"event_id": message_id, "event_type": headers.get("event_type"),
                      "reason": death.get("reason"), "deaths": death.get("count"),
                      "first_death": str(death.get("time")) if death.get("time") else None,
                      "from_queue": death.get("queue"), "payload_fields": fields})
    return shown


def replay(amqp_uri: str, consumer_queue: str, limit: int = 1000) -> int:
    """Republish up to `limit` dead letters to `consumer_queue` via the default exchange."""
    moved = 0
    # confirm_publish: each republished message is confirmed before its dead letter is acked.
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        for _ in range(limit):
            message = channel.basic_get(consumer_queue + SUFFIX, no_ack=False)
            if message is None:
                break
            properties = dict(message.properties)
            headers = {k: v for k, v in properties.pop("application_headers", {}).items() if not k.startswith("x-")}
            channel.basic_publish(
                channel.prepare_message(message.body, priority=None, content_type=properties.get("content_type"),
                                        content_encoding=properties.get("content_encoding"), headers=headers,
                                        properties={"delivery_mode": 2, "message_id": properties.get("message_id")}),
                exchange="", routing_key=consumer_queue, mandatory=True)
            channel.basic_ack(message.delivery_tag)
            moved += 1
        channel.close()
    return moved


__all__ = ["DEAD_LETTER_EXCHANGE", "peek_all", "replay", "show"]
