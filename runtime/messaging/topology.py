"""Declares every consumer queue (and its dead-letter queue) before anything publishes.

`peer-admin declare-topology` walks the services' `@consumes` entrypoints, so the broker's topology
is derived from the code that consumes, never written twice.
"""
from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from kombu import Connection, Queue

from runtime.config import SERVICES, services_of, settings

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


def built_services(services=SERVICES) -> list[str]:
    """The services whose folder exists. Only a service not built yet is skipped: one that exists but
    cannot be imported (a missing dependency, a typo) fails loudly instead of declaring no queues."""
    return [s for s in services if (SERVICES_DIR / s / "service.py").is_file()]


def service_class(service: str):
    module = importlib.import_module(f"services.{service}.service")
    for _, cls in inspect.getmembers(module, inspect.isclass):
        if getattr(cls, "name", None) == service and cls.__module__ == module.__name__:
            return cls
    raise LookupError(f"services.{service}.service has no service class named {service!r}")


def consumer_entrypoints(cls) -> list[tuple[str, str, object]]:
    """(queue name, method name, entrypoint) of each `@consumes` entrypoint of a service class."""
    from runtime.messaging.consumer import EventConsumer

    return [(f"{cls.name}.{method}", method, entrypoint) for method, member in inspect.getmembers(cls)
            for entrypoint in getattr(member, "nameko_entrypoints", ()) if isinstance(entrypoint, EventConsumer)]


def consumer_queues(cls) -> list[Queue]:
    from runtime.messaging.consumer import consumer_queue, dead_letter_queue

    queues = []
    for _, method, entrypoint in consumer_entrypoints(cls):
        queue = consumer_queue(cls.name, method, entrypoint.source_service, entrypoint.categories,
                               entrypoint.exchange)
        queues += [queue, dead_letter_queue(queue.name)]
    return queues


def all_queues(services=SERVICES) -> list[Queue]:
    queues = []
    for service in built_services(services):
        queues += consumer_queues(service_class(service))
    return queues


def declare_queues(amqp_uri: str, queues: list[Queue]) -> None:
    with Connection(amqp_uri) as conn:
        channel = conn.default_channel
        for queue in queues:
            queue.bind(channel).declare()


def declare(amqp_uri: str, services=None) -> list[str]:
    """Every queue of `services` (default: those this instance runs, runtime.config.services_of)."""
    queues = all_queues(services_of(settings().instance_id) if services is None else services)
    declare_queues(amqp_uri, queues)
    return [q.name for q in queues]
