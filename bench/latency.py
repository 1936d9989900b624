"""Command → another service's read model latency (p50, p99) vs a bare nameko RPC round trip, same run.

    .venv/bin/python -m bench.latency [--commands 200] [--rounds 10] [--pings-per-command 5]

A throwaway instance (tests/support/instance.py: own vhost, own databases, real `nameko run` and
relay processes) runs roles, notifications, the roles relay, and a trivial `bench_ping` service.

- Baseline: `bench_ping.ping()` over nameko's ClusterRpcProxy (request queue, reply queue: one RPC
  round trip through the broker to another process), per-call latency.
- Measured: `POST /function-descriptions/<id>/publish` on roles until the notification row of that
  event is visible in the notifications database (`inbox_messages.source_event`, polled every ~1 ms).
  Each command has its own description, adopted, filled and decided beforehand (not timed).
  The roles relay checkpoint passing the event is polled too, so each sample splits into
  HTTP command (append committed) → relay published and confirmed → consumer committed the row.

Rounds alternate baseline pings and commands, so machine noise hits both alike.
Targets: p50 ≤ 3× and p99 ≤ 10× the RPC round trip.

`--background-writers N` adds N threads doing short write transactions (insert, 3 ms, commit) in a
scratch database on the same PostgreSQL server during pings and commands alike, as other services of
an instance do; recorded separately as `latency_with_background_writes`. The relay reads only below
the server-wide `pg_snapshot_xmin`, so this shows what such writes cost it.
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

# bench.common first: it imports runtime, which must precede psycopg.
from bench.common import management, record, scratch_database, summary
from runtime import db

LOCAL_FIELDS = {
    "organisational_placement": "Socialpsykiatrien, Parkvænget",
    "nearest_leader": "Lene Leder",
    "mentor": "Mette Mentor",
    "internal_partners": ["Personalegruppen på Parkvænget"],
    "special_tasks": {"2": ["Udvikle og afholde 3 workshops"]},
}
# py-amqp warns about confirms that arrive while the RPC proxy closes its channel: noise, not a fault.
logging.getLogger("amqp").setLevel(logging.ERROR)

POLL = 0.001
STALL = 0.5  # a sample this slow waited for something other than work (the relay's poll fallback)


def start_ping_service(instance):
    from tests.support.instance import NAMEKO, Process

    process = Process("bench_ping", [NAMEKO, "run", "--config", "deploy/nameko.yaml", "bench.ping_service"],
                      instance.env(), instance.logdir / "bench_ping.log").start()
    instance.processes["bench_ping"] = process
    return process


def rpc_proxy(instance):
    from nameko.standalone.rpc import ClusterRpcProxy

    proxy = ClusterRpcProxy({"AMQP_URI": instance.amqp_uri, "serializer": "json"}, timeout=30)
    rpc = proxy.start()
    deadline = time.monotonic() + 30
    while True:  # the service's queue exists only once it started
        try:
            rpc.bench_ping.ping()
            return proxy, rpc
        except Exception:
            if time.monotonic() > deadline or not instance.processes["bench_ping"].running:
                raise
            time.sleep(0.2)


def prepare(instance, session, count: int) -> list[tuple[str, int]]:
    """Descriptions ready to publish: (id, version), each adopted, filled and decided (untimed)."""
    ready = []
    for i in range(count):
        adopted = session.post(instance.url("roles", "/function-descriptions"),
                               json={"workplace": f"Arbejdsplads {i}"}, timeout=30)
        adopted.raise_for_status()
        path = f"/function-descriptions/{adopted.json()['id']}"
        session.patch(instance.url("roles", f"{path}/local-fields"), json={"fields": LOCAL_FIELDS},
                      timeout=30).raise_for_status()
        decided = session.put(instance.url("roles", f"{path}/support-mode"), json={"support_mode": "both"},
                              timeout=30)
        decided.raise_for_status()
        ready.append((adopted.json()["id"], decided.json()["version"]))
    return ready


def wait_settled(roles, notifications, count: int, timeout: float = 120) -> None:
    """Wait until the relay published everything prepared and notifications applied it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        last = roles.execute("SELECT max(global_position) AS g FROM events").fetchone()["g"]
        checkpoint = roles.execute("SELECT global_position AS g FROM relay_checkpoints").fetchone()
        applied = notifications.execute(
            "SELECT count(*) AS n FROM inbox_streams WHERE stream_name LIKE %s AND applied_version >= 3",
            ("function_description-%",)).fetchone()["n"]
        if checkpoint and checkpoint["g"] == last and applied >= count:
            return
        time.sleep(0.1)
    raise TimeoutError("the prepared descriptions did not reach notifications")


def publish_and_wait(instance, session, roles, notifications, description_id: str, version: int) -> dict:
    """One measured command: seconds from sending the POST until each stage is visible."""
    url = instance.url("roles", f"/function-descriptions/{description_id}/publish")
    started = time.perf_counter()
    response = session.post(url, json={"expected_version": version}, timeout=30)
    answered = time.perf_counter()
    response.raise_for_status()
    event = roles.execute(
        "SELECT event_id, global_position AS g, transaction_id::text::bigint AS t, "
        "pg_snapshot_xmin(pg_current_snapshot())::text::bigint <= transaction_id::text::bigint AS behind "
        "FROM events WHERE stream_name = %s AND event_type = 'function_description.published' "
        "ORDER BY stream_version DESC LIMIT 1",  # publishing may append more than this one event
        (f"function_description-{description_id}",)).fetchone()
    relayed = consumed = None
    while relayed is None or consumed is None:
        now = time.perf_counter()
        if relayed is None:
            row = roles.execute("SELECT transaction_id::text::bigint AS t, global_position AS g "
                                "FROM relay_checkpoints").fetchone()
            if (row["t"], row["g"]) >= (event["t"], event["g"]):
                relayed = now - started
        if consumed is None and notifications.execute(
                "SELECT 1 FROM inbox_messages WHERE source_event = %s LIMIT 1", (event["event_id"],)).fetchone():
            consumed = now - started
        if now - started > 30:
            raise TimeoutError(f"event {event['event_id']} did not reach notifications in 30s")
        time.sleep(POLL)
    return {"total": consumed, "http": answered - started, "relayed": relayed,
            "horizon_behind": event["behind"]}


@contextmanager
def background_writes(writers: int, hold: float = 0.003):
    """`writers` threads of short write transactions in another database on the same server."""
    if not writers:
        yield [0]
        return
    done = threading.Event()
    count = [0]

    def write(url):
        with db.connect(url) as conn:
            while not done.is_set():
                conn.execute("INSERT INTO background (at) VALUES (now())")
                time.sleep(hold)  # a transaction doing some work while it holds its xid
                conn.commit()
                count[0] += 1

    with scratch_database() as url:
        with db.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE background (id bigserial PRIMARY KEY, at timestamptz NOT NULL)")
        threads = [threading.Thread(target=write, args=(url,), daemon=True) for _ in range(writers)]
        for t in threads:
            t.start()
        try:
            yield count
        finally:
            done.set()
            for t in threads:
                t.join(timeout=10)


def ping_round(rpc, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        rpc.bench_ping.ping()
        samples.append(time.perf_counter() - started)
    return samples


def measure(commands: int, rounds: int, pings_per_command: int, workdir: Path, background_writers: int = 0) -> dict:
    import requests

    from tests.support.instance import Instance

    management("GET", "overview")  # waits while a broker restarts (other work shares this broker)
    instance = Instance(workdir=workdir).create()
    proxy = None
    try:
        instance.start_service("roles")
        instance.start_service("notifications")
        instance.start_relay("roles")
        start_ping_service(instance)
        proxy, rpc = rpc_proxy(instance)
        session = requests.Session()  # keep-alive, like the RPC proxy's connection
        session.headers["Authorization"] = f"Bearer {instance.token('leader')}"
        roles = db.connect(instance.database_url("roles"), autocommit=True)
        notifications = db.connect(instance.database_url("notifications"), autocommit=True)

        ready = prepare(instance, session, commands)
        wait_settled(roles, notifications, commands)
        ping_round(rpc, 50)  # warm-up

        pings, samples = [], []
        per_round = -(-commands // rounds)
        with background_writes(background_writers) as background_transactions:
            for r in range(rounds):  # interleaved: a block of pings, then a block of commands
                block = ready[r * per_round:(r + 1) * per_round]
                if not block:
                    break
                pings += ping_round(rpc, len(block) * pings_per_command)
                for description_id, version in block:
                    samples.append(publish_and_wait(instance, session, roles, notifications,
                                                    description_id, version))
        roles.close()
        notifications.close()
    finally:
        if proxy is not None:
            proxy.stop()
        instance.destroy()

    total = [s["total"] for s in samples]
    base, measured = summary(pings), summary(total)
    stalls = [s for s in samples if s["total"] > STALL]
    return {
        "commands": len(samples),
        "background_writers": background_writers,
        "background_transactions": background_transactions[0],
        "pings": len(pings),
        "rounds": rounds,
        "baseline_rpc_p50_ms": base["p50_ms"],
        "baseline_rpc_p99_ms": base["p99_ms"],
        "command_to_read_model_p50_ms": measured["p50_ms"],
        "command_to_read_model_p99_ms": measured["p99_ms"],
        "ratio_p50": round(measured["p50_ms"] / base["p50_ms"], 2),
        "ratio_p99": round(measured["p99_ms"] / base["p99_ms"], 2),
        "target_ratio_p50": 3.0,
        "target_ratio_p99": 10.0,
        "stage_http_command_p50_ms": summary([s["http"] for s in samples])["p50_ms"],
        "stage_relay_checkpoint_p50_ms": summary([s["relayed"] for s in samples])["p50_ms"],
        "stage_relay_checkpoint_p99_ms": summary([s["relayed"] for s in samples])["p99_ms"],
        "samples_over_500ms": len(stalls),
        "samples_behind_horizon_at_answer": sum(1 for s in samples if s["horizon_behind"]),
        "poll_interval_ms": POLL * 1000,
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10, help="alternating blocks of pings and commands")
    parser.add_argument("--pings-per-command", type=int, default=5)
    parser.add_argument("--background-writers", type=int, default=0,
                        help="threads of short write transactions in another database on the same server")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as workdir:
        figures = measure(args.commands, args.rounds, args.pings_per_command, Path(workdir),
                          args.background_writers)
    record("latency_with_background_writes" if args.background_writers else "latency", figures)
    return figures


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
