"""National aggregation of 10 regions × 10,000 facts vs the raw transfer of the same messages over the same links.

    PEER_DEV_MODE=1 .venv/bin/python -m bench.aggregation [--regions 10 --events 10000] [--quick] [--profile]

The topology (issue 12): one RabbitMQ node per instance (admin/localnode.py, `regions=`: ten regions rendered
from region-1084's definitions, the national node's repeated per region), linked by the shovels of
deploy/multi-region/rabbitmq/ (uplink region → `national.inbound`, ack-mode on-confirm). The ten instances are
the five regions and five municipalities (instance ids must be real ones: runtime/config.py).

- Input: each instance's real relays (`python -m runtime.messaging.relay courses|network`, its own
  processes) over its own event stores, filled beforehand with `--events` national facts in pseudonymous
  streams of several facts each: peer-education completions and WHO-5 reports (courses), network sizes,
  meeting reports and national-event sign-ups (network). The relays start before the clock, parked on their
  leadership lock, which the bench holds and releases for all of them at once: that is the first publish.
- Measured: the real national service (`nameko run`, its own database on the shared PostgreSQL) stores and
  projects every fact; time from the release until its `events` table holds all of them. Then every sent
  event id must be stored exactly once.
- Baseline: the same relays publish the same messages again (checkpoints reset) over the same shovels into a
  plain quorum queue at the national node bound to `national.inbound` (the national service's own queue is
  deleted meanwhile), drained by a bare pika consumer acking each message (prefetch as nameko's, 10); time
  from the release to the ack of the last distinct event id.
- Rounds: baseline, measured, baseline (the national service's picture cannot be measured twice from the same
  facts without a new database, and its national events are created once per run).
- Stages: when the relays' checkpoints reached their last event (all published and confirmed at the region
  nodes), when every region's `national.outbox` was empty (shovelled), when the last fact was applied.
- `--profile`: py-spy samples the national service during the measured round; its top frames are recorded.

Every node, process and database is removed at the end, also on failure.
"""
from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

# bench.common first: it imports runtime, which must precede psycopg.
from bench.common import record
from runtime import db, eventstore
from runtime.privacy.pseudonym import pseudonym

INSTANCES = ("region-1081", "region-1082", "region-1083", "region-1084", "region-1085",
             "kommune-0101", "kommune-0147", "kommune-0151", "kommune-0153", "kommune-0155")
SERVICES = ("courses", "network")
LOCK_KEY = "outbox-relay"  # runtime/messaging/relay.py: the relays' leadership lock
BASELINE_QUEUE = "bench.aggregation.baseline"
NATIONAL_EVENTS = 4  # national events the sign-ups are for (each decided on its own stream)
# Share of each instance's facts, and the facts per stream, by kind (type, service, stream category, facts per stream).
MIX = (
    ("peer_education.completion_reported", "courses", "peer_education", 0.40, 10),
    ("outcome.who5_distribution_reported", "courses", "outcome", 0.10, 4),
    ("network_size.reported", "network", "network_size", 0.20, 10),
    ("meeting_report.held", "network", "meeting_report", 0.25, 10),
    ("national_sign_up", "network", "national_sign_up", 0.05, 2),  # requested, then withdrawn
)
FACT_TYPES = ("peer_education.completion_reported", "outcome.who5_distribution_reported", "network_size.reported",
              "meeting_report.held", "national_sign_up.requested", "national_sign_up.withdrawn")


def log(message: str) -> None:
    print(f"  [{datetime.now(timezone.utc):%H:%M:%S}] {message}", flush=True)


# -- the facts ------------------------------------------------------------------------------------------
def facts_of_stream(kind: str, n: int, i: int, region, national_events: list[str]) -> list[eventstore.NewEvent]:
    """`n` facts of one stream of `kind`, as the service would have recorded them (`i`: the stream's number)."""
    day = date(2026, 1, 1) + timedelta(days=i % 300)
    if kind == "peer_education.completion_reported":
        return [eventstore.NewEvent(kind, {"pseudonym": region.person(), "completed_on": str(day + timedelta(days=k))})
                for k in range(n)]
    if kind == "outcome.who5_distribution_reported":
        distribution = {"count": 6, "buckets": [None] * 5, "below_50": None}
        return [eventstore.NewEvent(kind, {
            "course_type": "support_course", "course_kind": "individual", "closed_on": str(day + timedelta(days=k)),
            "suppressed": False, "distributions": [{**distribution, "timing": t} for t in ("start", "end")]},
            schema_version=2) for k in range(n)]
    if kind == "network_size.reported":
        return [eventstore.NewEvent(kind, {"network_kind": "regional", "paid_members": 5 + k, "volunteer_members": k,
                                           "reported_on": str(day + timedelta(days=k))}) for k in range(n)]
    if kind == "meeting_report.held":
        held = [day + timedelta(days=7 * k) for k in range(n)]
        return [eventstore.NewEvent(kind, {
            "meeting_kind": "network_meeting", "theme": None, "occurrence": f"{on:%Y%m%d}T160000Z",
            "held_on": str(on), "duration_minutes": 90, "attended_paid": 6, "attended_volunteer": 2}) for on in held]
    event_id = national_events[i % len(national_events)]
    who = {"national_event_id": event_id, "pseudonym": region.person()}
    return [eventstore.NewEvent("national_sign_up.requested", {**who, "peer_kind": ("paid", "volunteer")[i % 2]}),
            eventstore.NewEvent("national_sign_up.withdrawn", who)][:n]


def fill(region, events: int, national_events: list[str]) -> int:
    """The instance's stores: `events` national facts by MIX, appended as the services append them: one fact at
    a time, the streams' facts interleaved (a network reports its size over months, not ten times at once), so
    what the relays publish holds the facts of a stream apart, with other streams' between them."""
    rng = random.Random(region.instance_id)
    total = 0
    for service in SERVICES:
        metadata = eventstore.Metadata(service, region.instance_id, "user-1", uuid.uuid4())
        streams = []
        for kind, owner, category, share, per_stream in MIX:
            if owner != service:
                continue
            wanted = round(events * share) if kind != MIX[-1][0] else events - total - sum(len(f) for _, f in streams)
            i = 0
            while wanted > 0:
                facts = facts_of_stream(kind, min(per_stream, wanted), i, region, national_events)
                streams.append((f"{category}-{uuid.uuid4()}", facts))
                wanted -= len(facts)
                i += 1
        rng.shuffle(streams)
        with db.connect(region.database_url(service)) as conn:
            appended = 0
            for k in range(max(len(f) for _, f in streams)):
                for stream, facts in streams:
                    if k < len(facts):
                        eventstore.append(conn, stream, [facts[k]], k - 1 if k else eventstore.NO_STREAM, metadata)
                        appended += 1
                        if appended % 500 == 0:
                            conn.commit()
            conn.commit()
        total += appended
    return total


def sent_ids(regions) -> set[str]:
    ids = set()
    for region in regions:
        for service in SERVICES:
            with db.connect(region.database_url(service)) as conn:
                ids.update(str(r["event_id"]) for r in conn.execute("SELECT event_id FROM events"))
    return ids


# -- the instances --------------------------------------------------------------------------------------
class Region:
    """One instance's stores and relays (tests/support/instance.py), on its own node."""

    def __init__(self, instance, node):
        self.instance = instance
        self.node = node
        self.locks = {}

    def __getattr__(self, name):
        return getattr(self.instance, name)

    def person(self) -> str:
        return pseudonym(uuid.uuid4(), purpose="person", instance_id=self.instance_id,
                         key=self.instance.pseudonym_secret.encode())

    def provision(self) -> None:
        for service in SERVICES:  # the event store's tables only: the relays need nothing else
            self.instance.provision_database(service)

    def hold_relays(self) -> None:
        """Take the relays' leadership lock in every store: started relays wait on it."""
        for service in SERVICES:
            conn = self.locks.get(service) or db.connect(self.database_url(service), autocommit=True)
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (LOCK_KEY,))
            self.locks[service] = conn

    def release_relays(self) -> None:
        for conn in self.locks.values():
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (LOCK_KEY,))

    def start_relays(self) -> None:
        for service in SERVICES:
            self.instance.start_relay(service, poll_interval=0.1)

    def relays_waiting(self) -> bool:
        """Each relay process is connected to its store (waiting on the lock)."""
        for service in SERVICES:
            with db.connect(self.database_url(service), autocommit=True) as conn:
                n = conn.execute("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND usename <> current_user").fetchone()["n"]
            if n < 1 or not self.instance.processes[f"{service}-relay"].running:
                return False
        return True

    def stop_relays(self) -> None:
        for service in SERVICES:
            process = self.instance.processes.pop(f"{service}-relay", None)
            if process:
                process.stop()

    def reset_checkpoints(self) -> None:
        for service in SERVICES:
            with db.connect(self.database_url(service), autocommit=True) as conn:
                conn.execute("DELETE FROM relay_checkpoints")

    def relays_done(self) -> bool:
        for service in SERVICES:
            with db.connect(self.database_url(service), autocommit=True) as conn:
                if eventstore_lag(conn, service):
                    return False
        return True

    def close(self) -> None:
        for conn in self.locks.values():
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                pass
        self.locks.clear()


def eventstore_lag(conn, service: str) -> int:
    from runtime.messaging.relay import outbox_lag

    return outbox_lag(conn, service)


def queue_depth(node, queue: str) -> int:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(node.amqp_uri()))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def delete_national_queues(node) -> None:
    from kombu import Connection
    from admin.services import all_queues

    with Connection(node.amqp_uri()) as conn:
        for queue in all_queues(("national",)):
            conn.default_channel.queue_delete(queue.name)


# -- one round ------------------------------------------------------------------------------------------
class Stages:
    """Samples, every 0.5 s, when the relays were done and the links drained (seconds since the release)."""

    def __init__(self, regions, started: float):
        self.regions, self.started = regions, started
        self.published = self.shovelled = None
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stopping and self.shovelled is None:
            try:
                if self.published is None and all(r.relays_done() for r in self.regions):
                    self.published = time.perf_counter() - self.started
                if self.published is not None and all(queue_depth(r.node, "national.outbox") == 0
                                                      for r in self.regions):
                    self.shovelled = time.perf_counter() - self.started
            except Exception as exc:  # noqa: BLE001  (a sample missed is not the round failed)
                log(f"stage sample failed: {type(exc).__name__}: {exc}")
            time.sleep(0.5)

    def stop(self) -> dict:
        self.stopping = True
        self.thread.join(timeout=30)
        return {"relays_published_s": round(self.published, 2) if self.published is not None else None,
                "links_drained_s": round(self.shovelled, 2) if self.shovelled is not None else None}


def prepare_relays(regions, timeout: float = 120) -> None:
    for region in regions:
        region.stop_relays()
        region.reset_checkpoints()
        region.hold_relays()
        region.start_relays()
    deadline = time.monotonic() + timeout
    while not all(r.relays_waiting() for r in regions):
        if time.monotonic() > deadline:
            raise TimeoutError("relays did not start")
        time.sleep(0.5)
    time.sleep(1)  # connected to the store, now past it to the lock loop


def baseline_round(regions, national_node, expected: set[str], timeout: float) -> dict:
    """The same messages, the same relays and links, into a plain queue drained by a bare consumer."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(national_node.amqp_uri()))
    channel = connection.channel()
    channel.queue_delete(BASELINE_QUEUE)
    channel.queue_declare(BASELINE_QUEUE, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(BASELINE_QUEUE, "national.inbound", "#")
    prepare_relays(regions)
    seen: set[str] = set()
    deliveries = 0
    state = {"last": None}

    def on_message(ch, method, properties, body):
        nonlocal deliveries
        deliveries += 1
        seen.add(properties.message_id)
        ch.basic_ack(method.delivery_tag)
        if len(seen) >= len(expected):
            state["last"] = time.perf_counter()
            ch.stop_consuming()

    channel.basic_qos(prefetch_count=10)
    channel.basic_consume(BASELINE_QUEUE, on_message)
    started = time.perf_counter()
    for region in regions:
        region.release_relays()
    stages = Stages(regions, started)
    timer = connection.call_later(timeout, channel.stop_consuming)
    channel.start_consuming()
    connection.remove_timeout(timer)
    figures = stages.stop()
    channel.queue_delete(BASELINE_QUEUE)
    connection.close()
    if state["last"] is None or seen != expected:
        raise RuntimeError(f"baseline: {len(seen & expected)} of {len(expected)} event ids acked in {timeout}s")
    elapsed = state["last"] - started
    return {"seconds": round(elapsed, 2), "events_per_s": round(len(expected) / elapsed),
            "deliveries": deliveries, **figures}


def applied(national, waits: Counter | None = None) -> int:
    """Facts stored at the national service; `waits` counts what its database sessions do (pg_stat_activity)."""
    with db.connect(national.database_url("national"), autocommit=True) as conn:
        if waits is not None:
            for row in conn.execute(
                    "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"):
                what = "idle" if row["state"] == "idle" else (
                    f"{row['state']}: {row['wait_event_type']}/{row['wait_event']}" if row["wait_event_type"]
                    else f"{row['state']}: on CPU")
                waits[what] += 1
        return conn.execute("SELECT count(*) AS n FROM events WHERE event_type = ANY(%s)",
                            (list(FACT_TYPES),)).fetchone()["n"]


def shares(counter: Counter) -> dict:
    total = sum(counter.values())
    return {k: round(v / total, 3) for k, v in counter.most_common(12)} if total else {}


def cpu_seconds(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def measured_round(regions, national, expected: set[str], timeout: float, profile: bool, workdir: Path) -> dict:
    """Until every fact is applied, or `timeout`: then the rate so far is recorded, marked incomplete."""
    prepare_relays(regions)
    national.start_service("national")
    pid = national.processes["national"].popen.pid
    profiler = start_profiler(national, workdir) if profile else None
    cpu_before = cpu_seconds(pid)
    started = time.perf_counter()
    for region in regions:
        region.release_relays()
    stages = Stages(regions, started)
    timeline = []
    waits: Counter = Counter()
    try:
        while True:
            n = applied(national, waits)
            now = time.perf_counter() - started
            timeline.append((round(now, 1), n))
            if n >= len(expected) or now > timeout:
                break
            if not national.processes["national"].running:
                raise RuntimeError("national service exited:\n" + national.processes["national"].log()[-3000:])
            time.sleep(0.25)
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(pid) - cpu_before
    finally:
        figures = stages.stop()
        top = stop_profiler(profiler) if profiler else None
    if n < len(expected):  # timed out: the rate so far (the last fact applied is not known yet)
        log(f"measured: only {n} of {len(expected)} facts applied in {timeout}s; recording the rate so far")
        national.processes.pop("national").stop()
        with db.connect(national.database_url("national"), autocommit=True) as conn:
            stored = Counter(str(r["event_id"]) for r in conn.execute(
                "SELECT event_id FROM events WHERE event_type = ANY(%s)", (list(FACT_TYPES),)))
        if set(stored) - expected or any(c > 1 for c in stored.values()):
            raise RuntimeError("measured: a fact stored twice, or one that was not sent")
        return {"seconds": round(elapsed, 2), "events_per_s": round(n / elapsed), "complete": False,
                "applied": n, "national_cpu_s": round(cpu, 1), "national_sessions": shares(waits), **figures,
                "applied_timeline": timeline[:: max(1, len(timeline) // 40)] + [timeline[-1]],
                **({"profile": top} if top else {})}
    with db.connect(national.database_url("national"), autocommit=True) as conn:
        stored = Counter(str(r["event_id"]) for r in conn.execute(
            "SELECT event_id FROM events WHERE event_type = ANY(%s)", (list(FACT_TYPES),)))
    twice = sum(1 for n in stored.values() if n > 1)
    if set(stored) != expected or twice:
        raise RuntimeError(f"measured: {len(set(stored) & expected)} of {len(expected)} stored, "
                           f"{len(set(stored) - expected)} unexpected, {twice} twice")
    national.processes.pop("national").stop()
    out = {"seconds": round(elapsed, 2), "events_per_s": round(len(expected) / elapsed), "complete": True,
           "applied_exactly_once": True, "national_cpu_s": round(cpu, 1),
           "national_cpu_ms_per_event": round(cpu * 1000 / len(expected), 2), "national_sessions": shares(waits),
           **figures,
           "applied_timeline": timeline[:: max(1, len(timeline) // 40)] + [timeline[-1]]}
    if top:
        out["profile"] = top
    return out


# -- profiling (py-spy, pinned in requirements.lock) -----------------------------------------------------
def start_profiler(national, workdir: Path):
    pyspy = Path(sys.executable).with_name("py-spy")
    output = workdir / "national.pyspy.txt"
    process = subprocess.Popen([str(pyspy), "record", "--format", "raw", "--rate", "50", "--nonblocking",
                                "-o", str(output), "--pid", str(national.processes["national"].popen.pid)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return process, output


def stop_profiler(profiler) -> dict | None:
    process, output = profiler
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
    if not output.exists():
        log(f"py-spy wrote nothing: {process.stderr.read().decode(errors='replace')[-500:]}")
        return None
    return summarise_profile(output.read_text())


def _frame(f: str) -> str:
    """`function (path/file.py:line)` → `function (file.py)`."""
    name, _, where = f.partition(" (")
    return f"{name} ({where.split(':')[0].rsplit('site-packages/', 1)[-1]})" if where else name


def summarise_profile(raw: str, top: int = 15) -> dict:
    """Collapsed stacks → the frames in most samples (inclusive) and the leaf frames (self), as shares."""
    inclusive: Counter = Counter()
    leaf: Counter = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_frame(f) for f in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += n
        leaf[frames[-1]] += n
    share = lambda counter: [(f, round(n / total, 3)) for f, n in counter.most_common(top)] if total else []  # noqa: E731
    return {"samples": total, "top_inclusive": share(inclusive), "top_self": share(leaf)}


# -- the run --------------------------------------------------------------------------------------------
def create_national_events(national, n: int) -> list[str]:
    coordinator = national.token("national_coordinator")
    ids = []
    for i in range(n):
        created = national.call("POST", "national", "/national/events", token=coordinator, json={
            "title": f"Peer-træf {i + 1}", "starts_at": "2026-09-01T09:00:00+00:00",
            "ends_at": "2026-09-01T16:00:00+00:00", "place": "Odense", "capacity": 200, "themes": ["peer_role"]})
        if created.status_code != 201:
            raise RuntimeError(f"national event not created: {created.status_code} {created.text[:500]}")
        ids.append(created.json()["id"])
    return ids


def measure(n_regions: int, events: int, profile: bool, timeout: float, keep_logs: Path | None = None,
            rounds: int = 3, measured_timeout: float = 3600) -> dict:
    from tests.support.instance import Instance
    from tests.support.topology import Topology

    instances = INSTANCES[:n_regions]
    workdir = Path(tempfile.mkdtemp(prefix="peer-aggbench-"))
    cleanup = []

    def clean():
        while cleanup:
            step = cleanup.pop()
            try:
                step()
            except Exception as exc:  # noqa: BLE001  (the rest is still removed)
                log(f"cleanup: {type(exc).__name__}: {exc}")
    atexit.register(clean)
    try:
        started = time.perf_counter()
        log(f"starting {n_regions + 1} RabbitMQ nodes")
        topology = Topology.start(workdir, timeout=900, regions=instances)
        cleanup.append(lambda: shutil.rmtree(workdir, ignore_errors=True))
        cleanup.append(topology.stop)
        if keep_logs:  # runs before the removal above (cleanup runs backwards)
            cleanup.append(lambda: shutil.copytree(workdir, keep_logs, dirs_exist_ok=True,
                                                   ignore=shutil.ignore_patterns("mnesia")))
        nodes_s = time.perf_counter() - started
        log(f"nodes serving, shovels running after {nodes_s:.0f}s")

        national = Instance("national", ("national",), workdir, broker=topology["national"])
        national.create()
        cleanup.append(national.destroy)
        national.start_service("national")
        national_events = create_national_events(national, NATIONAL_EVENTS)
        national.processes.pop("national").stop()
        delete_national_queues(topology["national"])

        regions = []
        for instance_id in instances:
            region = Region(Instance(instance_id, SERVICES, workdir, broker=topology[instance_id]),
                            topology[instance_id])
            cleanup.append(lambda r=region: (r.close(), r.instance.destroy()))
            region.provision()
            regions.append(region)
        started = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:  # the appends wait on the server, not on Python
            list(pool.map(lambda r: fill(r, events, national_events), regions))
        expected = sent_ids(regions)
        log(f"{len(expected)} facts in {n_regions} instances' stores ({time.perf_counter() - started:.0f}s)")
        assert len(expected) == n_regions * events

        log("baseline 1: bare consumer")
        first = baseline_round(regions, topology["national"], expected, timeout)
        log(f"  {first}")
        log("measured: the national service")
        delete_national_queues(topology["national"])
        aggregated = measured_round(regions, national, expected, measured_timeout, profile, workdir)
        log(f"  { {k: v for k, v in aggregated.items() if k != 'applied_timeline'} }")
        delete_national_queues(topology["national"])
        second = None
        if rounds >= 3:
            log("baseline 2: bare consumer")
            second = baseline_round(regions, topology["national"], expected, timeout)
            log(f"  {second}")
        for region in regions:
            region.stop_relays()
    finally:
        clean()
        atexit.unregister(clean)

    baselines = [b for b in (first, second) if b]
    baseline = max(b["events_per_s"] for b in baselines)
    ratio = round(aggregated["events_per_s"] / baseline, 2)
    paired = round(aggregated["events_per_s"] / (sum(b["events_per_s"] for b in baselines) / len(baselines)), 2)
    return {
        "regions": n_regions, "events_per_region": events, "events": len(expected), "instances": list(instances),
        "mix": {kind: share for kind, _, _, share, _ in MIX},
        "aggregation_events_per_s": aggregated["events_per_s"],
        "baseline_raw_transfer_events_per_s": baseline,
        "ratio": ratio, "ratio_to_mean_baseline": paired, "target_ratio": 0.5,
        "nodes_start_s": round(nodes_s, 1),
        "complete": aggregated["complete"], "load_average_1m_at_end": round(os.getloadavg()[0], 1),
        "measured": aggregated, "baseline_rounds": baselines,
        "input": "real relays (courses, network) per instance over their own filled event stores",
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regions", type=int, default=10, help=f"instances sending facts (at most {len(INSTANCES)})")
    parser.add_argument("--events", type=int, default=10_000, help="national facts per instance")
    parser.add_argument("--quick", action="store_true", help="2 instances × 500 facts (the smoke test)")
    parser.add_argument("--profile", action="store_true", help="py-spy the national service in the measured round")
    parser.add_argument("--rounds", type=int, default=3, choices=(2, 3),
                        help="3: baseline, measured, baseline; 2: without the second baseline")
    parser.add_argument("--measured-timeout", type=float, default=3600,
                        help="seconds the measured round may take; then its rate so far is recorded (incomplete)")
    parser.add_argument("--keep-logs", type=Path, help="copy the processes' and nodes' logs here at the end")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a round may take")
    args = parser.parse_args(argv)
    if args.quick:
        args.regions, args.events = 2, 500
    if not 1 <= args.regions <= len(INSTANCES):
        parser.error(f"--regions: 1 to {len(INSTANCES)}")
    os.environ.setdefault("PEER_DEV_MODE", "1")
    figures = measure(args.regions, args.events, args.profile, args.timeout, args.keep_logs, args.rounds,
                      args.measured_timeout)
    record("aggregation", figures)
    return figures


if __name__ == "__main__":
    main()
