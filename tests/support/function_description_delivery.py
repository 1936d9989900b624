"""A function description's events, from roles to the notifications consumer: published through roles'
API, or as envelopes straight to roles' exchange (duplicated, reordered, poisoned), and the inbox they
give (tests/e2e)."""
from __future__ import annotations

import json
import uuid

from kombu import Connection, Exchange, Producer

from runtime import db

QUEUE = "notifications.on_function_description"


def envelopes(stream_id=None, workplace="Parkvænget"):
    """A function description's stream as the roles service would publish it: two publications."""
    stream = f"function_description-{stream_id or uuid.uuid4()}"
    correlation = str(uuid.uuid4())
    payloads = [
        ("function_description.adopted", {"template_id": "t", "template_version": 1, "workplace": workplace,
                                          "title": "Funktionsbeskrivelse"}),
        ("function_description.support_mode_decided", {"support_mode": "group"}),
        ("function_description.published", {"revision": 1, "workplace": workplace, "support_mode": "group"}),
        ("function_description.support_mode_decided", {"support_mode": "both"}),
        ("function_description.published", {"revision": 2, "workplace": workplace, "support_mode": "both"}),
    ]
    return [{"event_id": str(uuid.uuid4()), "type": t, "schema_version": 1, "stream": stream,
             "stream_version": v, "global_position": 100 + v, "occurred_at": f"2026-11-22T10:00:0{v}+00:00",
             "source_service": "roles", "instance_id": "region-1084", "actor": "user-1",
             "correlation_id": correlation, "causation_id": None, "payload": p}
            for v, (t, p) in enumerate(payloads)]


def publish(instance, messages):
    exchange = Exchange("roles.events", type="topic", durable=True)
    with Connection(instance.amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.channel(), exchange=exchange)
        for body, content_type in messages:
            routing_key = body["type"] if isinstance(body, dict) else "function_description.published"
            payload = json.dumps(body) if content_type == "application/json" else str(body)
            producer.publish(payload, routing_key=routing_key, content_type=content_type,
                             content_encoding="utf-8", delivery_mode=2, mandatory=True)


def inbox_rows(instance):
    with db.connect(instance.database_url("notifications")) as conn:
        return conn.execute("SELECT recipient_role, subject, body FROM inbox_messages ORDER BY body, recipient_role").fetchall()


def publish_description(instance, workplace):
    path = f"/function-descriptions/{instance.call('POST', 'roles', '/function-descriptions', json={'workplace': workplace}).json()['id']}"
    instance.call("PATCH", "roles", f"{path}/local-fields", json={"fields": {
        "organisational_placement": "Socialpsykiatrien", "nearest_leader": "Lene", "mentor": "Mette",
        "internal_partners": ["Teamet"]}})
    instance.call("PUT", "roles", f"{path}/support-mode", json={"support_mode": "individual"})
    assert instance.call("POST", "roles", f"{path}/publish", json={}).status_code == 200


def inbox_subjects(instance):
    with db.connect(instance.database_url("notifications")) as conn:
        return sorted(r["subject"] for r in conn.execute("SELECT subject FROM inbox_messages").fetchall())
