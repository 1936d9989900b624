"""The product's composition: which services exist, which an instance runs, and their classes.

The one explicit list. The runtime knows no service by name: what needs the services (the admin CLI, the
local runner, declaring the broker's topology, the tests) asks here. `national` runs only at the national
instance: it holds no personal data (no vault), a trust boundary of its own (docs/architecture.md)."""
from __future__ import annotations

import importlib
import os

from kombu import Queue

from runtime.messaging.consumer import consumer_queues
from runtime.messaging.topology import declare_queues

SERVICES = ("roles", "courses", "network", "notifications")
NATIONAL_SERVICES = ("national",)
# service -> "module:class"; imported on demand, so a CLI command loads only the service it works on
SERVICE_CLASSES = {
    "roles": "services.roles.service:RolesService",
    "courses": "services.courses.service:CoursesService",
    "network": "services.network.service:NetworkService",
    "notifications": "services.notifications.service:NotificationsService",
    "national": "services.national.service:NationalService",
}


# An instance that runs only some of its services (the multi-region run's meetup regions: roles and network) says
# so in its environment; migrations, queues, status, the welcome and the demo then leave the others out.
SERVICES_VARIABLE = "INSTANCE_SERVICES"


def services_of(instance_id: str, env=None) -> tuple[str, ...]:
    """The services an instance runs: every instance the common ones, the national one also its own; only those
    INSTANCE_SERVICES (comma-separated) names when it is set."""
    services = SERVICES + (NATIONAL_SERVICES if instance_id == "national" else ())
    chosen = [s.strip() for s in ((os.environ if env is None else env).get(SERVICES_VARIABLE) or "").split(",")
              if s.strip()]
    unknown = [s for s in chosen if s not in services]
    if unknown:
        raise ValueError(f"{SERVICES_VARIABLE}: {', '.join(unknown)} not a service of {instance_id} "
                         f"(one of {', '.join(services)})")
    return tuple(s for s in services if s in chosen) if chosen else services


def service_class(service: str):
    """The service's nameko class. A service that cannot be imported (a missing dependency, a typo) fails
    loudly here instead of declaring no queues."""
    try:
        module, _, cls = SERVICE_CLASSES[service].partition(":")
    except KeyError:
        raise LookupError(f"unknown service {service!r}; one of {', '.join(SERVICE_CLASSES)}") from None
    return getattr(importlib.import_module(module), cls)


def all_queues(services=SERVICES) -> list[Queue]:
    """Every consumer queue (and its dead-letter queue) of `services`."""
    return [queue for service in services for queue in consumer_queues(service_class(service))]


def declare(amqp_uri: str, services) -> list[str]:
    """Declare every queue of `services` before any relay publishes (`peer-admin declare-topology`)."""
    queues = all_queues(services)
    declare_queues(amqp_uri, queues)
    return [q.name for q in queues]
