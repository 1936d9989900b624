"""Where an instance's parts answer, from the same variables deploy/Procfile and the runner read: a service's
HTTP API (HTTP_HOST, HTTP_PORT_<SERVICE>), its relay's metrics (RELAY_METRICS_PORT_<SERVICE>), and the
broker's management API (RABBITMQ_MANAGEMENT_URL, else AMQP_URI's host and credentials on port + 10000,
RabbitMQ's convention: 5672 -> 15672)."""
from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

from admin.services import services_of

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
    """(base URL, (user, password), vhost) of the management API of the broker behind amqp_uri."""
    env = os.environ if env is None else env
    parts = urlsplit(amqp_uri)
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    configured = env.get("RABBITMQ_MANAGEMENT_URL")
    if configured:
        managed = urlsplit(configured)
        base = f"{managed.scheme}://{managed.hostname}:{managed.port or 15672}"
        return base, (unquote(managed.username or "guest"), unquote(managed.password or "guest")), vhost
    base = f"http://{parts.hostname or '127.0.0.1'}:{(parts.port or 5672) + 10000}"
    return base, (unquote(parts.username or "guest"), unquote(parts.password or "guest")), vhost
