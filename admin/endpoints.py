"""Where an instance's parts answer, from the same variables deploy/Procfile and the runner read: a service's
HTTP API (HTTP_HOST, HTTP_PORT_<SERVICE>), its relay's metrics (RELAY_METRICS_PORT_<SERVICE>), and the
broker's management API (RABBITMQ_MANAGEMENT_URL, else AMQP_URI's host and credentials on port + 10000,
RabbitMQ's convention: 5672 -> 15672; for each node when AMQP_URI lists a cluster's)."""
from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

from admin.services import services_of
from runtime.messaging.publisher import broker_uris

HTTP_PORTS = {"roles": 8001, "courses": 8002, "network": 8003, "notifications": 8004, "national": 8005}
RELAY_METRICS_PORTS = {"roles": 9101, "courses": 9102, "network": 9103, "notifications": 9104, "national": 9105}


def _host(env) -> str:
    host = env.get("HTTP_HOST") or "127.0.0.1"
    return "127.0.0.1" if host in ("0.0.0.0", "::") else host  # listening everywhere: ask locally


def service_url(service: str, env=None) -> str:
    env = os.environ if env is None else env
    return f"http://{_host(env)}:{env.get(f'HTTP_PORT_{service.upper()}') or HTTP_PORTS[service]}"


def instance_services(instance_id: str) -> list[str]:
    """The services this instance runs that are built (the national service only at the national instance)."""
    return list(services_of(instance_id))


def relay_metrics_url(service: str, env=None) -> str | None:
    """None for a service without a relay."""
    env = os.environ if env is None else env
    if service not in RELAY_METRICS_PORTS:
        return None
    port = env.get(f"RELAY_METRICS_PORT_{service.upper()}") or RELAY_METRICS_PORTS[service]
    return f"http://127.0.0.1:{port}/metrics"


def management(amqp_uri: str, env=None) -> tuple[str, tuple[str, str], str]:
    """(base URL, (user, password), vhost) of the management API of the (first) broker behind amqp_uri."""
    return managements(amqp_uri, env)[0]


def managements(amqp_uri: str, env=None) -> list[tuple[str, tuple[str, str], str]]:
    """management() of every broker of amqp_uri, in its order. An AMQP_URI may list a cluster's nodes,
    `;`-separated, as the runtime reads it (broker_uris); read as one URL, the other nodes became the vhost.
    Every node's management API answers for the whole cluster, so a caller asks the first that answers, as
    the runtime's clients connect to the first broker that accepts them."""
    env = os.environ if env is None else env
    apis = []
    for uri in broker_uris(amqp_uri) or [""]:  # an empty AMQP_URI: the local broker's defaults, as before
        parts = urlsplit(uri)
        vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
        base = f"http://{parts.hostname or '127.0.0.1'}:{(parts.port or 5672) + 10000}"
        apis.append((base, (unquote(parts.username or "guest"), unquote(parts.password or "guest")), vhost))
    configured = env.get("RABBITMQ_MANAGEMENT_URL")
    if configured:  # the one API the operator named stands for the whole cluster
        managed = urlsplit(configured)
        base = f"{managed.scheme}://{managed.hostname}:{managed.port or 15672}"
        return [(base, (unquote(managed.username or "guest"), unquote(managed.password or "guest")), apis[0][2])]
    return apis
