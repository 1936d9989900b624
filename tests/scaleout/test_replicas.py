"""Two replicas of every service and of every relay on one instance (`deploy/up.sh --replicas 2`, the compose
file's `-2` services), end to end through the shared broker (a vhost of its own) and PostgreSQL.

- Commands go to both replicas' HTTP ports; both replicas of each consumer take deliveries from the same quorum
  queue; every event is applied exactly once and in stream order: counted by event id at the test-only `counter`
  (two replicas too), and checked in the services' inbox rows and read models.
- Of two relays per service only one publishes (the advisory lock). Killed with SIGKILL under load, the standby
  takes over: nothing lost, nothing applied twice (counted by event id at the consumer)."""
from __future__ import annotations

import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from runtime import db
from tests.faults.harness import COUNTER, Writers
from tests.support.instance import Instance, wait_until
from tests.support.replicas import (destroy_with_counter, start_counter, with_counter, consumer_applied, relay_published, start_relay_replica,
                                    start_service_replica)

SERVICES = ("roles", "courses", "network", "notifications")
DESCRIPTIONS, PEERS = 16, 16
START_TIMEOUT = 300  # seconds for a process to answer /ready on a loaded 2-core machine


@pytest.fixture
def instance(tmp_path):
    created = with_counter(Instance(services=SERVICES, workdir=tmp_path))
    yield created
    destroy_with_counter(created)




def counted(instance: Instance) -> tuple[Counter, dict[str, list[int]]]:
    """(applications per event id, the versions of each stream in the order applied) at the counter."""
    with db.connect(instance.database_url(COUNTER), autocommit=True) as conn:
        rows = conn.execute("SELECT event_id::text AS event_id, stream, stream_version FROM applied_events "
                            "ORDER BY seq").fetchall()
    by_stream: dict[str, list[int]] = {}
    for row in rows:
        by_stream.setdefault(row["stream"], []).append(row["stream_version"])
    return Counter(r["event_id"] for r in rows), by_stream


def roles_events(instance: Instance, category: str) -> dict[str, tuple[str, str, int]]:
    """event id -> (type, stream, version) of the roles events of a category."""
    with db.connect(instance.database_url("roles"), autocommit=True) as conn:
        rows = conn.execute("SELECT event_id::text AS id, event_type AS type, stream_name AS stream, stream_version AS version "
                            "FROM events WHERE stream_name LIKE %s", (f"{category}-%",)).fetchall()
    return {r["id"]: (r["type"], r["stream"], r["version"]) for r in rows}


def describe(instance: Instance, number: int) -> None:
    """A function description through its life, each command to the other roles replica than the last."""
    replicas = ["roles", "roles-2"] if number % 2 else ["roles-2", "roles"]
    created = instance.call("POST", replicas[0], "/function-descriptions", json={"workplace": f"Sted {number}"})
    assert created.status_code == 201, created.text
    path = f"/function-descriptions/{created.json()['id']}"
    steps = [("PATCH", f"{path}/local-fields", {"fields": {
                 "organisational_placement": "Socialpsykiatrien", "nearest_leader": "Lene", "mentor": "Mette",
                 "internal_partners": ["Teamet"]}}),
             ("PUT", f"{path}/support-mode", {"support_mode": "both"}),
             ("POST", f"{path}/publish", {})]
    for i, (method, step, body) in enumerate(steps, start=1):
        answer = instance.call(method, replicas[i % 2], step, json=body)
        assert answer.status_code in (200, 201), answer.text


def register(instance: Instance, number: int) -> str:
    peer_id = str(uuid.uuid4())
    coordinator = instance.token("coordinator", subject=str(uuid.uuid4()))
    answer = instance.call("POST", "roles" if number % 2 else "roles-2", "/peers", token=coordinator, json={
        "peer_id": peer_id, **({"kind": "volunteer", "title": "frivillig peer"} if number % 3
                              else {"kind": "paid", "title": "peer-medarbejder"}),
        "name": f"Peer {number} (test)", "workplace": "Parkvænget", "leader_id": str(uuid.uuid4()),
        "function_description_id": None})
    assert answer.status_code == 201, answer.text
    return peer_id


def test_two_replicas_of_every_service_and_relay_apply_each_event_once_in_stream_order(instance):
    for service in SERVICES:  # a pair at a time: the machine is small and shared
        instance.start_service(service, wait=False)
        start_service_replica(instance, service, 2, wait=False)
        for name in (service, f"{service}-2"):
            instance.wait_ready(name, timeout=START_TIMEOUT)
    start_counter(instance, COUNTER, timeout=START_TIMEOUT)
    start_counter(instance, f"{COUNTER}-2", timeout=START_TIMEOUT)
    relays = {service: [start_relay_replica(instance, service, n)[1] for n in (1, 2)] for service in SERVICES}

    with ThreadPoolExecutor(4) as pool:  # concurrent commands, spread over both roles replicas
        peers = list(pool.map(lambda n: register(instance, n), range(PEERS)))
        list(pool.map(lambda n: describe(instance, n), range(DESCRIPTIONS)))

    descriptions = roles_events(instance, "function_description")
    assert len(descriptions) >= DESCRIPTIONS * 4
    wait_until(lambda: set(counted(instance)[0]) >= set(descriptions), timeout=90,
               message="every function-description event at the counter")
    time.sleep(2)  # a late duplicate would arrive now
    applications, by_stream = counted(instance)
    assert {e: n for e, n in applications.items() if n != 1} == {}, "applied twice"
    assert {s: v for s, v in by_stream.items() if v != list(range(len(v)))} == {}, "out of stream order"
    # both counter replicas took deliveries from the one queue (the metric counts an event released from parking
    # together with the one that released it, so the sum may be below the events applied)
    per_replica = [consumer_applied(instance, name, "counter.on_function_description")
                   for name in (COUNTER, f"{COUNTER}-2")]
    assert all(per_replica) and sum(per_replica) <= len(applications), per_replica

    # the services' inbox rows: every stream applied up to its last version, nothing parked
    last = {}
    for _, stream, version in descriptions.values():
        last[stream] = max(last.get(stream, -1), version)
    with db.connect(instance.database_url("notifications"), autocommit=True) as conn:
        def inbox():
            return {r["stream_name"]: r["applied_version"] for r in conn.execute(
                "SELECT stream_name, applied_version FROM inbox_streams "
                "WHERE consumer = 'notifications.on_function_description' "
                "AND stream_name LIKE 'function_description-%'").fetchall()}
        wait_until(lambda: inbox() == last, timeout=60, message="the notifications inbox at every last version")
        assert conn.execute("SELECT count(*) AS n FROM inbox_parked").fetchone()["n"] == 0
    # the network's read model: each peer known once, from its one peer.registered
    with db.connect(instance.database_url("network"), autocommit=True) as conn:
        def known():
            return Counter(r["stream_name"] for r in conn.execute(
                "SELECT stream_name FROM events WHERE event_type = 'network_peer.known'").fetchall())
        wait_until(lambda: len(known()) == PEERS, timeout=60, message="every peer known to the network")
        assert set(known().values()) == {1}
        assert set(known()) == {f"network_peer-{p}" for p in peers}
        assert conn.execute("SELECT count(*) AS n FROM inbox_parked").fetchone()["n"] == 0
    # one relay per service published, the other stood by (a service that appended nothing has no publisher yet)
    for service, ports in relays.items():
        published = [relay_published(port) for port in ports]
        assert None not in published and not all(published), (service, published)
        if service in ("roles", "network"):
            assert any(published), (service, published)
    dead = [name for name, process in instance.processes.items() if not process.running]
    assert not dead, dead


def test_the_standby_relay_takes_over_from_a_killed_leader_losing_nothing(instance):
    instance.start_service("roles", wait=False)  # the event feed the counter catches up from
    instance.wait_ready("roles", timeout=START_TIMEOUT)
    start_counter(instance, COUNTER, timeout=START_TIMEOUT)
    start_counter(instance, f"{COUNTER}-2", timeout=START_TIMEOUT)
    first, first_port = start_relay_replica(instance, "roles", 1)
    second, second_port = start_relay_replica(instance, "roles", 2)
    writers = Writers(instance, streams=300, writers=2, pause=0.002).start()
    wait_until(lambda: sum(counted(instance)[0].values()) > writers.expected // 4, timeout=120,
               message="the load under way")
    published = {first_port: relay_published(first_port), second_port: relay_published(second_port)}
    assert sorted(bool(p) for p in published.values()) == [False, True], published
    leader, standby = (first, second) if published[first_port] else (second, first)
    standby_port = second_port if leader is first else first_port
    leader.kill()  # SIGKILL: its session ends, and the advisory lock with it
    killed_at = time.monotonic()
    wait_until(lambda: relay_published(standby_port), timeout=30, message="the standby publishing")
    took_over = time.monotonic() - killed_at
    writers.join()
    expected = set(roles_events(instance, "function_description"))
    wait_until(lambda: set(counted(instance)[0]) >= expected, timeout=120, message="every event at the counter")
    time.sleep(2)
    applications, by_stream = counted(instance)
    with db.connect(instance.database_url(COUNTER), autocommit=True) as conn:
        deliveries = Counter({r["outcome"]: r["n"] for r in conn.execute(
            "SELECT outcome, count(*) AS n FROM deliveries GROUP BY outcome").fetchall()})
    print(f"\nrelay failover: appended={len(expected)} applied={sum(applications.values())} "
          f"lost={len(expected - set(applications))} applied_twice={sum(n - 1 for n in applications.values())} "
          f"standby publishing after {took_over:.2f}s; deliveries {dict(deliveries)}")
    assert set(applications) == expected
    assert set(applications.values()) == {1}
    assert {s: v for s, v in by_stream.items() if v != list(range(len(v)))} == {}
    assert standby.running


def test_scheduled_reminders_fire_once_across_two_notifications_replicas(instance, tmp_path, monkeypatch):
    """Both notifications replicas run the reminder schedule over one ledger (claims with SKIP LOCKED): each
    session's reminder is sent once and lands in the inbox once."""
    from tests.notifications.smtp import SmtpServer

    smtp = SmtpServer(tmp_path)
    try:
        instance.environment.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp.port),
                                    NOTIFICATIONS_INTERVAL_SECONDS="0.2")
        for service in ("roles", "courses"):
            instance.start_service(service, wait=False)
            instance.wait_ready(service, timeout=START_TIMEOUT)
            start_relay_replica(instance, service, 1)
        instance.start_service("notifications", wait=False)
        start_service_replica(instance, "notifications", 2, wait=False)
        for name in ("notifications", "notifications-2"):
            instance.wait_ready(name, timeout=START_TIMEOUT)
        volunteer, coordinator_id = str(uuid.uuid4()), str(uuid.uuid4())
        coordinator = instance.token("coordinator", subject=coordinator_id)
        email = "frivillig.replika@example.dk"
        assert instance.call("POST", "roles", "/peers", token=coordinator, json={
            "peer_id": volunteer, "kind": "volunteer", "title": "frivillig peer", "name": "Replika Frivillig",
            "workplace": "Parkvænget", "leader_id": str(uuid.uuid4()), "function_description_id": None,
        }).status_code == 201
        agreement = instance.call("POST", "roles", "/volunteer-agreements", token=coordinator, json={
            "volunteer_id": volunteer, "coordinator_id": coordinator_id, "project": "Bro til hverdagslivet",
            "name": "Replika Frivillig", "address": "Stationsvej 3", "postcode": "2840", "city": "Holte",
            "phone": "+45 20 30 40 50", "email": email, "cpr": "010190-1234", "start_date": "2026-06-01",
            "criminal_record_check": "clean"})
        assert agreement.status_code == 201, agreement.text
        course = instance.call("POST", "courses", "/group-courses", token=coordinator, json={
            "kind": "recovery_group", "title": "Recoverygruppe", "capacity": 8,
            "completion_rule": {"min_sessions_attended": 1, "min_attendance_percent": 50}}).json()
        assert instance.call("POST", "courses", f"/group-courses/{course['id']}/facilitators", token=coordinator,
                             json={"peer_id": volunteer}).status_code == 200
        sessions = 4
        for n in range(sessions):  # each due for its 24-hour reminder within seconds
            starts = datetime.now(timezone.utc) + timedelta(hours=24, seconds=4 + n)
            assert instance.call("POST", "courses", f"/group-courses/{course['id']}/sessions", token=coordinator,
                                 json={"title": f"Workshop {n + 1}", "starts_at": starts.isoformat(),
                                       "ends_at": (starts + timedelta(hours=2)).isoformat(),
                                       "place": "Mødelokale 2"}).status_code == 201

        def reminders():
            return Counter(m["Subject"] for m in smtp.messages(to=email) if m["Subject"].startswith("Påmindelse"))

        wait_until(lambda: len(reminders()) == sessions, timeout=90, message="every session's reminder")
        time.sleep(3)  # the other replica's schedule runs many times meanwhile: a second copy would arrive now
        assert set(reminders().values()) == {1}, reminders()
        assert set(smtp.copies_per_message_id().values()) == {1}
        inbox = instance.call("GET", "notifications-2", "/inbox", token=instance.token("peer", subject=volunteer))
        subjects = Counter(message["subject"] for message in inbox.json())
        assert sum(1 for s in subjects if s.startswith("Påmindelse")) == sessions, subjects
        assert set(subjects.values()) == {1}, subjects
    finally:
        smtp.stop()
