"""Dead-letter queues: inspect what waits there, and replay it to the consumer queue it came from."""
from __future__ import annotations

from kombu import Connection

from runtime.consumer import DEAD_LETTER_EXCHANGE
from runtime.topology import all_queues

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
            waiting = []
            messages = []
            for _ in range(min(depth, show)):
                message = channel.basic_get(queue.name, no_ack=False)
                if message is None:
                    break
                messages.append(message)
                headers = message.properties.get("application_headers") or {}
                waiting.append((headers.get("event_type"), message.properties.get("message_id")))
            for message in messages:
                channel.basic_reject(message.delivery_tag, requeue=True)
            found.append((queue.name, depth, waiting))
        channel.close()
    return found


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


__all__ = ["DEAD_LETTER_EXCHANGE", "peek_all", "replay"]
