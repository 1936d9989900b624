"""The broker's topology as the code declares it: exchange and queue names and attributes, and declaring them.

Every consumer queue (and its dead-letter queue) is declared before anything publishes: `peer-admin
declare-topology` walks the services' `@consumes` entrypoints (runtime/messaging/consumer.py
`consumer_queues`, the service list in admin/services.py), so the topology is derived from the code that
consumes, never written twice.
"""
from __future__ import annotations

from kombu import Connection, Exchange, Queue, binding

from runtime.config import settings

# A consumer's queue dead-letters after this many deliveries (quorum queue `x-delivery-limit`).
DELIVERY_LIMIT = 5
DEAD_LETTER_EXCHANGE = "dead-letters"


def event_exchange(source_service: str) -> Exchange:
    # nameko's own declaration of `<service>.events`, so both sides agree on its attributes.
    return Exchange(f"{source_service}.events", type="topic", durable=True, auto_delete=False, delivery_mode=2)


def deployed_exchange(name: str) -> Exchange:
    """An exchange deploy/ declares (e.g. `national.inbound`), with the same attributes: its alternate
    exchange comes from a policy, so declaring it here agrees, and a broker without the multi-region
    definitions (a single-instance run of the national profile) gets it too, with nothing arriving."""
    return Exchange(name, type="topic", durable=True, auto_delete=False)


ADDRESSED_EXCHANGE = "national.addressed"


def routing_prefix(exchange: str | None) -> str:
    """`national.addressed` carries answers for one instance each (`<instance id>.<event type>`): a
    consumer there binds only its own instance's."""
    if exchange == ADDRESSED_EXCHANGE:
        return f"{settings().instance_id}."
    return ""


def consumer_queue(service: str, method: str, source_service: str, categories, exchange: str | None = None) -> Queue:
    name = f"{service}.{method}"
    source = deployed_exchange(exchange) if exchange else event_exchange(source_service)
    prefix = routing_prefix(exchange)
    return Queue(
        name,
        bindings=[binding(source, routing_key=f"{prefix}{c}.#") for c in categories],
        durable=True,
        auto_delete=False,
        queue_arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": name,
        },
    )


def dead_letter_queue(queue_name: str) -> Queue:
    exchange = Exchange(DEAD_LETTER_EXCHANGE, type="direct", durable=True, auto_delete=False)
    return Queue(f"{queue_name}.dead-letter", exchange=exchange, routing_key=queue_name, durable=True,
                 auto_delete=False, queue_arguments={"x-queue-type": "quorum"})



def declare_queues(amqp_uri: str, queues: list[Queue]) -> None:
    with Connection(amqp_uri) as conn:
        channel = conn.default_channel
        for queue in queues:
            queue.bind(channel).declare()
