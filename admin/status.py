"""`peer-admin status`: the whole instance at a glance. Services answer on HTTP (/health, /ready), relays on
their metrics port; the event stores tell outbox lag and parked/blocked streams; the broker tells consumer
queue depths and dead letters; its management API the shovels that carry national facts to the national broker.

A service or relay that does not answer is a row ("down"), not an error: that is what a status is for. A
database or broker that does not answer is an error (admin/unreachable.py turns it into one line)."""
from __future__ import annotations

import re
from dataclasses import dataclass

import requests

from admin.services import all_queues
from runtime import db
from runtime.eventstore.inbox import blocked_streams
from runtime.messaging.relay import outbox_lag
from admin.endpoints import managements, relay_metrics_url, service_url


@dataclass
class ServiceStatus:
    service: str
    health: str
    ready: str
    relay: str
    outbox_lag: int
    parked: int
    blocked_streams: int


def _probe(url: str) -> str:
    try:
        return "ok" if requests.get(url, timeout=2).status_code == 200 else "failing"
    except requests.RequestException:
        return "down"


def service_status(settings, service: str, env=None) -> ServiceStatus:
    base = service_url(service, env)
    relay_url = relay_metrics_url(service, env)
    relay = _probe(relay_url) if relay_url else "none"
    with db.connect(settings.database_url(service)) as conn:
        lag = outbox_lag(conn, service) if relay_url else 0
        parked = conn.execute("SELECT count(*) AS n FROM inbox_parked").fetchone()["n"]
        blocked = len(blocked_streams(conn))
    return ServiceStatus(service, _probe(f"{base}/health"), _probe(f"{base}/ready"), relay, lag, parked, blocked)


def queue_depths(amqp_uri: str, services) -> list[tuple[str, int, int]]:
    """(queue, ready messages, consumers) of every consumer and dead-letter queue, asked of the broker."""
    from kombu import Connection


    depths = []
    with Connection(amqp_uri, connect_timeout=3) as conn:
        conn.connect()
        channel = conn.channel()
        for queue in all_queues(services):
            _, ready, consumers = channel.queue_declare(queue.name, passive=True)
            depths.append((queue.name, ready, consumers))
        channel.close()
    return depths


def shovels(amqp_uri: str, env=None) -> list[tuple[str, str, str]] | str:
    """(name, state, destination) of the shovels of this instance's vhost, or why they cannot be read."""
    apis = managements(amqp_uri, env)
    for base, auth, vhost in apis:  # a cluster's nodes: the first that answers
        try:
            response = requests.get(f"{base}/api/shovels/{requests.utils.quote(vhost, safe='')}", auth=auth,
                                    timeout=3)
            break
        except requests.RequestException:
            continue
    else:
        return f"management API unreachable at {', '.join(base for base, _, _ in apis)}"
    if response.status_code == 404:
        return "no shovel plugin on this broker"
    if response.status_code != 200:
        return f"management API answered {response.status_code}"
    return [(s.get("name", "?"), s.get("state", "?"), _without_credentials(str(s.get("dest_uri", "")))) for s in
            response.json()]


def _without_credentials(uri: str) -> str:
    return re.sub(r"//[^@/]*@", "//", uri)
