"""Command → another service's read model latency (p50, p99) vs a bare nameko RPC round trip, same run.

    .venv/bin/python -m bench.latency [--commands 200] [--rounds 10] [--pings-per-command 5]

A throwaway instance (tests/support/instance.py: own vhost, own databases, real `nameko run` and
relay processes) runs roles, notifications, the roles relay, and a trivial `bench_ping` service.

- Baseline: `bench_ping.ping()` over nameko's ClusterRpcProxy (request queue, reply queue: one RPC
  round trip through the broker to another process), per-call latency.
- Measured: `POST /function-descriptions/<id>/publish` on roles until the notification row of that
  event is visible in the notifications database (`inbox_messages.source_event`; the bench learns it
  from a NOTIFY that a trigger of its own sends on commit, see `VisibleRows`, instead of polling).
  Each command has its own description, adopted, filled and decided beforehand (not timed).
  Each sample also splits into stages, by the clocks the services keep themselves (this machine's):
  roles decided (`occurred_at`), HTTP answer (append committed), consumer transaction began
  (`inbox_streams.updated_at`), relay checkpoint saved (`relay_checkpoints.updated_at`, after the
  broker's confirm), row visible.

- Durable floor (bench/floor.py): the path's three durable writes alone (a commit, a quorum queue's delivery,
  a commit), from one process with no service: how much of the ratio no code can remove.

Rounds alternate baseline pings, floor samples and commands, so machine noise hits them alike.
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
from bench.floor import durable_floor
from bench.workload import adopt, fill_and_decide
from runtime import db

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
        description_id = adopt(instance, session, i)
        ready.append((description_id, fill_and_decide(instance, session, description_id)))
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


class VisibleRows:
    """When each notification row of an event became visible, without polling (polling every millisecond
    took a core's worth of queries away from the path it measured): an AFTER INSERT trigger on the
    throwaway notifications database's `inbox_messages` sends a NOTIFY, delivered when the consumer's
    transaction commits, i.e. when its row becomes visible; a thread of this benchmark notes its arrival."""

    CHANNEL = "bench_visible"

    def __init__(self, url: str):
        with db.connect(url, autocommit=True) as conn:
            conn.execute(f"""
                CREATE OR REPLACE FUNCTION bench_visible() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_notify('{self.CHANNEL}', NEW.source_event::text); RETURN NULL; END $$;
                CREATE OR REPLACE TRIGGER bench_visible AFTER INSERT ON inbox_messages
                    FOR EACH ROW EXECUTE FUNCTION bench_visible()""")
        self.conn = db.connect(url, autocommit=True)
        self.conn.execute(f"LISTEN {self.CHANNEL}")
        self.arrived: dict[str, float] = {}
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()

    def _listen(self) -> None:
        try:
            for notify in self.conn.notifies():
                at = time.perf_counter()
                with self.changed:
                    self.arrived.setdefault(notify.payload, at)
                    self.changed.notify_all()
        except Exception:  # the connection closed: the benchmark is over
            pass

    def wait(self, event_id: str, timeout: float) -> float:
        with self.changed:
            if not self.changed.wait_for(lambda: event_id in self.arrived, timeout):
                raise TimeoutError(f"event {event_id} did not reach notifications in {timeout:.0f}s")
            return self.arrived[event_id]

    def close(self) -> None:
        self.conn.close()


def publish_and_wait(instance, session, roles, visible: VisibleRows, description_id: str, version: int,
                     notifications) -> dict:
    """One measured command: seconds from sending the POST until each stage happened."""
    url = instance.url("roles", f"/function-descriptions/{description_id}/publish")
    started_epoch, started = time.time(), time.perf_counter()  # the server's clocks are this machine's
    response = session.post(url, json={"expected_version": version}, timeout=30)
    answered = time.perf_counter()
    response.raise_for_status()
    event = roles.execute(
        "SELECT event_id::text, global_position AS g, transaction_id::text::bigint AS t, "
        "extract(epoch FROM occurred_at)::float AS decided_at, "
        "pg_snapshot_xmin(pg_current_snapshot())::text::bigint <= transaction_id::text::bigint AS behind "
        "FROM events WHERE stream_name = %s AND event_type = 'function_description.published' "
        "ORDER BY stream_version DESC LIMIT 1",  # publishing may append more than this one event
        (f"function_description-{description_id}",)).fetchone()
    consumed = visible.wait(event["event_id"], 30) - started
    # The relay checkpoint's own clock (saved after the broker confirmed), read once it passed the event:
    # the relay saves nothing more until the next command appends.
    while True:
        row = roles.execute("SELECT transaction_id::text::bigint AS t, global_position AS g, "
                            "extract(epoch FROM updated_at)::float AS saved_at FROM relay_checkpoints").fetchone()
        if (row["t"], row["g"]) >= (event["t"], event["g"]):
            break
        if time.perf_counter() - started > 30:
            raise TimeoutError(f"the relay checkpoint did not pass event {event['event_id']} in 30s")
        time.sleep(POLL)
    # The consumer's transaction started (now() of its inbox row) before the row became visible.
    applied = notifications.execute(
        "SELECT extract(epoch FROM updated_at)::float AS at FROM inbox_streams WHERE stream_name = %s",
        (f"function_description-{description_id}",)).fetchone()
    return {"total": consumed, "http": answered - started, "relayed": row["saved_at"] - started_epoch,
            "decided": event["decided_at"] - started_epoch,
            "consumer_began": applied["at"] - started_epoch, "horizon_behind": event["behind"]}


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


@contextmanager
def profiled(instance, names, directory: Path | None):
    """py-spy sampling (CPU only, collapsed stacks) of the named processes while the block runs."""
    import signal
    import subprocess

    if directory is None:
        yield
        return
    directory.mkdir(parents=True, exist_ok=True)
    spy = str(Path(sys.executable).with_name("py-spy"))
    spies = [subprocess.Popen([spy, "record", "--pid", str(instance.processes[n].popen.pid), "--rate", "500",
                               "--format", "raw", "--output", str(directory / f"{n}.txt"), "--nonblocking"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for n in names]
    try:
        yield
    finally:
        for p in spies:
            p.send_signal(signal.SIGINT)
        for p in spies:
            p.wait(timeout=60)


def ping_round(rpc, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        rpc.bench_ping.ping()
        samples.append(time.perf_counter() - started)
    return samples


def measure(commands: int, rounds: int, pings_per_command: int, workdir: Path, background_writers: int = 0,
            profile: Path | None = None) -> dict:
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
        visible = VisibleRows(instance.database_url("notifications"))
        ping_round(rpc, 50)  # warm-up

        pings, samples, floors = [], [], []
        per_round = -(-commands // rounds)
        with background_writes(background_writers) as background_transactions, \
                durable_floor(instance.amqp_uri) as floor, \
                profiled(instance, ("roles", "roles-relay", "notifications"), profile):
            floor.sample()  # warm-up
            for r in range(rounds):  # interleaved: pings, the durable floor, then commands
                block = ready[r * per_round:(r + 1) * per_round]
                if not block:
                    break
                pings += ping_round(rpc, len(block) * pings_per_command)
                floors += [floor.sample() for _ in block]
                for description_id, version in block:
                    samples.append(publish_and_wait(instance, session, roles, visible, description_id, version,
                                                    notifications))
        visible.close()
        roles.close()
        notifications.close()
    finally:
        if proxy is not None:
            proxy.stop()
        instance.destroy()

    total = [s["total"] for s in samples]
    base, measured, durable = summary(pings), summary(total), summary(floors)
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
        # bench/floor.py: the path's three durable writes alone, no service; what the code adds is the rest.
        "durable_floor_p50_ms": durable["p50_ms"],
        "durable_floor_p99_ms": durable["p99_ms"],
        "durable_floor_ratio_p50": round(durable["p50_ms"] / base["p50_ms"], 2),
        "stage_http_command_p50_ms": summary([s["http"] for s in samples])["p50_ms"],
        "stage_relay_checkpoint_p50_ms": summary([s["relayed"] for s in samples])["p50_ms"],
        "stage_relay_checkpoint_p99_ms": summary([s["relayed"] for s in samples])["p99_ms"],
        # Stages, each the p50 of its moment measured from sending the POST (server clocks: this machine's).
        "stages_p50_ms": {name: summary([s[key] for s in samples])["p50_ms"] for name, key in (
            ("roles decided (auth, load, vault, fold)", "decided"),
            ("HTTP answer received (append, projection, commit)", "http"),
            ("consumer transaction began", "consumer_began"),
            ("relay checkpoint saved (after confirm)", "relayed"),
            ("row visible in notifications", "total"))},
        "samples_over_500ms": len(stalls),
        "samples_behind_horizon_at_answer": sum(1 for s in samples if s["horizon_behind"]),
        "row_visible_by": "NOTIFY on commit (bench trigger)",
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10, help="alternating blocks of pings and commands")
    parser.add_argument("--pings-per-command", type=int, default=5)
    parser.add_argument("--background-writers", type=int, default=0,
                        help="threads of short write transactions in another database on the same server")
    parser.add_argument("--profile", type=Path, default=None,
                        help="write py-spy profiles (collapsed stacks) of roles, its relay and notifications here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as workdir:
        figures = measure(args.commands, args.rounds, args.pings_per_command, Path(workdir),
                          args.background_writers, args.profile)
    record("latency_with_background_writes" if args.background_writers else "latency", figures)
    return figures


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
