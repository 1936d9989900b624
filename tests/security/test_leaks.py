"""Leak test: drive the services with known personal values, then look for them everywhere they must not
be: every process log, every broker message (the national exchange that leaves the instance, and the
instance's own event exchange), the Prometheus metrics, the error bodies, and the databases (events,
read models, the vault). They must be found only where an authorised caller reads them.
"""
import functools
import json
import uuid

import pytest
import requests
from kombu import Connection, Exchange, Queue

from runtime import db
from tests.support.instance import free_port, wait_until
from tests.support.leaks import CPR, CPR_DASHED, EMAIL, LEADER, MENTOR, PERSONAL, PHONE, leaks

ACTOR = f"actor-{uuid.uuid4().hex[:8]}"  # the token subject: an id, but not for the national level


def test_the_scanner_finds_what_it_looks_for():
    assert leaks(json.dumps({"x": f"navn {LEADER}"})) == [LEADER]
    assert leaks("GET /x?q=Lene+L%C3%A6kagesen") == [LEADER]
    assert leaks(f"cpr {CPR_DASHED}") == [CPR_DASHED]
    assert leaks("nothing here") == []


@pytest.fixture
def driven(instance):
    """Roles, notifications and the roles relay (with metrics), at DEBUG, with queues on both exchanges."""
    instance.env = functools.partial(instance.env, LOG_LEVEL="DEBUG")
    with Connection(instance.amqp_uri) as conn:
        channel = conn.default_channel
        for name, exchange in (("leak.national", "national.events"), ("leak.roles", "roles.events")):
            Queue(name, Exchange(exchange, type="topic", durable=True), routing_key="#", durable=True)(channel).declare()
    relay_metrics = free_port()
    instance.start_service("roles")
    instance.start_service("notifications")
    instance.start_relay("roles", metrics_port=relay_metrics)
    return instance, relay_metrics


def drain(instance, queue: str) -> list[str]:
    bodies = []
    with Connection(instance.amqp_uri) as conn:
        channel = conn.channel()
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            bodies.append(message.body.decode() if isinstance(message.body, bytes) else message.body)
    return bodies


def call(instance, method, service, path, roles=("leader",), **kwargs):
    token = instance.token(*roles, subject=ACTOR)
    return instance.call(method, service, path, token=token, **kwargs)


def test_personal_data_leaks_nowhere(driven):
    instance, relay_metrics = driven
    errors = []

    # -- legitimate use ---------------------------------------------------------------------------------
    adopted = call(instance, "POST", "roles", "/function-descriptions", json={"workplace": "Parkvænget"})
    path = f"/function-descriptions/{adopted.json()['id']}"
    filled = call(instance, "PATCH", "roles", f"{path}/local-fields", json={"fields": {
        "organisational_placement": "Socialpsykiatrien", "nearest_leader": LEADER, "mentor": MENTOR,
        "internal_partners": ["Teamet"]}})
    assert filled.status_code == 200, filled.text
    call(instance, "PUT", "roles", f"{path}/support-mode", json={"support_mode": "both"})
    published = call(instance, "POST", "roles", f"{path}/publish", json={})
    assert published.status_code == 200
    # Positive control: an authorised reader does see the names (so the scans below could find them).
    shown = call(instance, "GET", "roles", path).json()["local_fields"]
    assert (shown["nearest_leader"]["name"], shown["mentor"]["name"]) == (LEADER, MENTOR)
    wait_until(lambda: call(instance, "GET", "notifications", "/inbox").json(), message="notified")

    # -- misuse: invalid inputs and refused calls carrying personal values -----------------------------
    attempts = [
        ("PATCH", f"{path}/local-fields", {"json": {"fields": {"nearest_leader": f"{LEADER} {CPR} " * 20}}}),
        ("PATCH", f"{path}/local-fields", {"json": {"fields": {"mentor": {"name": MENTOR, "cpr": CPR, "email": EMAIL}}}}),
        ("PATCH", f"{path}/local-fields", {"json": {"fields": {"mentor": {"name": 5, "person_id": LEADER}}}}),
        ("PATCH", f"{path}/local-fields", {"json": {"fields": {"internal_partners": LEADER, "special_tasks": {PHONE: [EMAIL]}}}}),
        ("PUT", f"{path}/support-mode", {"json": {"support_mode": f"{LEADER} {CPR_DASHED}"}}),
        ("POST", "/function-descriptions", {"json": {"workplace": f"{EMAIL} {PHONE} " * 20, "title": CPR}}),
        ("POST", "/function-descriptions", {"data": f'{{"workplace": "{LEADER}", {CPR}',
                                            "headers": {"Content-Type": "application/json"}}),
        ("POST", "/function-descriptions", {"data": LEADER, "headers": {"Content-Type": "text/plain"}}),
        ("GET", f"/function-descriptions?search={LEADER}&cpr={CPR}", {}),
        ("GET", f"/function-descriptions/{uuid.uuid4()}?navn={MENTOR}", {}),
        ("POST", f"{path}/publish", {"json": {"expected_version": 0, "note": LEADER}}),
    ]
    for method, url, kwargs in attempts:
        response = call(instance, method, "roles", url, **kwargs)
        errors.append(response.text)
        assert response.status_code < 500, (method, url, response.status_code)
    refused = [
        call(instance, "POST", "roles", f"/persons/{uuid.uuid4()}/erasure", roles=("peer",), json={"basis": LEADER}),
        call(instance, "GET", "notifications", f"/inbox?who={LEADER}", roles=("national_coordinator",)),
        instance.call("GET", "roles", path, token=f"{LEADER}.{CPR}.{EMAIL}"),
        instance.call("GET", "roles", path, token=instance.token("leader", subject=LEADER, instance="kommune-0101")),
    ]
    errors += [r.text for r in refused]
    assert [r.status_code for r in refused] == [403, 403, 401, 403]
    assert not leaks("\n".join(errors)), "error bodies quote personal data"

    # -- what left the instance: the national exchange ------------------------------------------------
    national = wait_until(lambda: drain(instance, "leak.national"), message="a national event published")
    for body in national:
        envelope = json.loads(body)
        assert envelope["type"] == "function_description.shared_nationally"
        assert envelope["actor"] == "instance" and ACTOR not in body
        assert not leaks(body, PERSONAL + (adopted.json()["workplace"],)), body
    # -- the instance's own exchange: events travel sealed -----------------------------------------------
    internal = drain(instance, "leak.roles")
    assert any('"nearest_leader"' in body for body in internal)
    assert not leaks("\n".join(internal)), "events on the broker carry personal data in clear"

    # -- metrics ----------------------------------------------------------------------------------------
    scraped = [call(instance, "GET", service, "/metrics", roles=("admin",)).text for service in ("roles", "notifications")]
    scraped.append(requests.get(f"http://127.0.0.1:{relay_metrics}/metrics", timeout=10).text)
    assert all("# TYPE" in text for text in scraped)
    assert not leaks("\n".join(scraped)), "metrics carry personal data"

    # -- databases: events, read models and the vault hold no plaintext -----------------------------------
    dumped = []
    for database in ("roles", "notifications", "vault"):
        with db.connect(instance.database_url(database)) as conn:
            tables = [r["tablename"] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]
            for table in tables:
                dumped += [json.dumps(r, default=str, ensure_ascii=False)
                           for r in conn.execute(f'SELECT * FROM "{table}"').fetchall()]
    assert any("function_description.local_fields_filled" in row for row in dumped)
    assert not leaks("\n".join(dumped)), "personal data stored in clear"

    # -- logs of every process ----------------------------------------------------------------------------
    logs = "\n".join(p.read_text(errors="replace") for p in sorted(instance.logdir.iterdir()))
    assert "GET /function-descriptions" in logs and '"level": "DEBUG"' in logs  # the logs are really there
    assert not leaks(logs), f"logs carry personal data: {leaks(logs)}"
