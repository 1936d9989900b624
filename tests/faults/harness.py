"""The fault-injection harness: an instance with the roles service and relay and the test-only `counter` consumer,
concurrent writers appending thousands of events straight into the roles event store, and the counts
that decide whether every event was applied exactly once.

Nothing here works around the runtime: events go through the real outbox relay
(`python -m runtime.messaging.relay roles`), the real broker and the real `consumes` + `apply_once` path in a
separate `nameko run` process. The writers use `runtime.eventstore.append`, as a service does.
"""
from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote

import psycopg
import requests
from kombu import Connection

from runtime import db, eventstore
from runtime.messaging import topology
from runtime.messaging.consumer import consumer_queues
from runtime.eventstore.notifier import Notifier
from tests.support.broker import BrokerError, PrivateBroker
from tests.support.counting_service import MIGRATIONS, CounterService
from tests.support.instance import NAMEKO, Instance, Process, free_port
from tests.support.private_postgres import PrivatePostgres
from tests.support.tcp_proxy import TcpProxy

COUNTER = "counter"
COUNTER_QUEUE = "counter.on_function_description"
EVENTS_PER_STREAM = 6


# -- the instance --------------------------------------------------------------------------------------
@dataclass
class Rig:
    """What the fault suite runs on, none of it shared: a private RabbitMQ node, a private PostgreSQL
    cluster, and a TCP proxy of our own in front of each (tests/support/tcp_proxy.py), through which the
    processes of a `proxied` instance connect."""

    broker: PrivateBroker
    postgres: PrivatePostgres
    broker_proxy: TcpProxy | None = None
    postgres_proxy: TcpProxy | None = None

    @classmethod
    def start(cls) -> "Rig":
        broker = PrivateBroker().start()
        try:
            postgres = PrivatePostgres().init().start()
        except BaseException:
            broker.stop()
            raise
        rig = cls(broker, postgres)
        rig.broker_proxy = TcpProxy(broker.amqp_port).start()
        rig.postgres_proxy = TcpProxy(postgres.port).start()
        return rig

    def restart_postgres(self) -> dict:
        """`pg_ctl restart -m immediate`: every backend killed without a checkpoint, crash recovery at start."""
        started = time.monotonic()
        self.postgres._run("pg_ctl", "-D", str(self.postgres.data), "-m", "immediate", "-w", "-t", "60", "restart")
        return {"restart_s": round(time.monotonic() - started, 1)}

    def heal(self) -> None:
        """After a test that failed mid-fault: every part serving and passing traffic again."""
        for proxy in (self.broker_proxy, self.postgres_proxy):
            if proxy is not None:
                proxy.resume()
                proxy.delay(0)
        try:
            if self.broker.publishers_blocked():
                self.broker.unblock_publishers()
            if not self.broker.is_ready():
                self.broker.start_app()
                self.broker.wait_ready()
        except BrokerError:
            pass
        try:
            self.postgres.start()
        except subprocess.CalledProcessError:
            pass  # running already

    def stop(self) -> None:
        for proxy in (self.broker_proxy, self.postgres_proxy):
            if proxy is not None:
                proxy.stop()
        try:
            self.postgres.destroy()
        finally:
            self.broker.stop()


@dataclass
class CountingInstance(Instance):
    """The roles service's database and relay, plus the `counter` service with its own database, on the
    rig's private broker (its default vhost) and private PostgreSQL. With `proxied`, the instance's
    processes reach both through the rig's TCP proxies; the test itself always connects directly."""

    services: tuple[str, ...] = ("roles",)
    rig: Rig = None
    proxied: bool = False

    def __post_init__(self):
        self.broker = self.rig.broker
        super().__post_init__()
        self.pg_url = self.rig.postgres.server_url
        self.ports[COUNTER] = free_port()

    def env(self, **extra) -> dict:
        env = super().env(**extra)
        if self.proxied:
            env["AMQP_URI"] = env["AMQP_URI"].replace(f":{self.rig.broker.amqp_port}/",
                                                      f":{self.rig.broker_proxy.port}/")
            env["PG_URL"] = f"postgresql://postgres@127.0.0.1:{self.rig.postgres_proxy.port}"
        return env

    def create(self) -> "CountingInstance":
        super().create()
        self.provision_database(COUNTER, MIGRATIONS)
        # Declared before the relay publishes: nothing the relay sends can be unroutable.
        topology.declare_queues(self.amqp_uri, consumer_queues(CounterService))
        return self

    def destroy(self) -> None:
        self.rig.heal()  # a test that failed mid-fault leaves the rig as it found it
        try:
            super().destroy()
            with Connection(self.amqp_uri) as conn:
                for queue in consumer_queues(CounterService):
                    conn.default_channel.queue_delete(queue.name)
        finally:
            self.drop_database(COUNTER)

    def start_counter(self, wait: bool = True, name: str = COUNTER) -> Process:
        """The counter service; `name` tells replicas apart (each its own process, port and log)."""
        port = self.ports.setdefault(name, free_port())
        env = self.env(WEB_SERVER_ADDRESS=f"127.0.0.1:{port}")
        process = Process(name, [NAMEKO, "run", "--config", "deploy/nameko.yaml", "tests.support.counting_service"],
                          env, self.logdir / f"{name}.log").start()
        self.processes[name] = process
        if wait:
            self.wait_ready(name, timeout=60)
        return process

    def queue_info(self, queue: str) -> dict:
        return self.rig.broker.management("GET", f"queues/%2F/{quote(queue, safe='')}").json()


# -- the writers ---------------------------------------------------------------------------------------
def stream_events(number: int, step: int) -> eventstore.NewEvent:
    """The `step`-th event (0..5) of function description `number`: valid payloads per contracts/roles.py."""
    workplace = f"Arbejdssted {number}"
    payloads = [
        ("function_description.adopted",
         {"template_id": "national-peer-2024", "template_version": 1, "workplace": workplace,
          "title": "Peer-medarbejder"}),
        ("function_description.local_fields_filled",
         {"fields": {"organisational_placement": "Socialpsykiatrien", "internal_partners": ["Personalegruppen"]}}),
        ("function_description.support_mode_decided", {"support_mode": "both"}),
        ("function_description.published", {"revision": 1, "workplace": workplace, "support_mode": "both"}),
        ("function_description.local_fields_filled",
         {"fields": {"special_tasks": {"2": ["Udvikle og afholde 3 workshops"]}}}),
        ("function_description.published", {"revision": 2, "workplace": workplace, "support_mode": "both"}),
    ]
    event_type, payload = payloads[step]
    return eventstore.NewEvent(event_type, payload)


# How a stream's six events are grouped into transactions when it is written in one burst.
BURST = ((0,), (1, 2), (3,), (4, 5))


class Writers:
    """`writers` concurrent appenders over `streams` streams, while the relay and the consumer run.

    Most streams are written round by round (one event per transaction), so each grows while the
    others do and its events are spread over the whole run. Every `burst_every`-th stream is written
    in one burst of back-to-back transactions (some with two events), so its versions sit next to
    each other in the queue, reach concurrent workers together and overtake each other: the inbox
    must park and reorder them."""

    def __init__(self, instance: Instance, streams: int = 1000, writers: int = 4, pause: float = 0.0,
                 burst_every: int = 4):
        self.url = instance.database_url("roles")
        self.instance_id = instance.instance_id
        self.streams = [eventstore.stream_name("function_description", uuid.uuid4()) for _ in range(streams)]
        self.writers = writers
        self.pause = pause
        self.burst_every = burst_every
        self.expected = streams * EVENTS_PER_STREAM
        self.appended = 0
        self.errors: list[BaseException] = []
        self.threads: list[threading.Thread] = []
        self.notifier = Notifier(self.url)
        self.started_at = self.finished_at = None
        self.state: dict[str, str] = {}  # writer -> what it is doing (for a failure message)

    def plan(self, share: list[tuple[int, str]]) -> list[tuple[int, str, tuple[int, ...]]]:
        """One writer's transactions, in order: (stream number, stream, steps appended together)."""
        spread = [(n, s) for i, (n, s) in enumerate(share) if i % self.burst_every]
        bursts = [(n, s) for i, (n, s) in enumerate(share) if not i % self.burst_every]
        plan = [(n, s, (step,)) for step in range(EVENTS_PER_STREAM) for n, s in spread]
        gap = max(1, len(plan) // (len(bursts) + 1))
        for i, (n, s) in reversed(list(enumerate(bursts, start=1))):  # evenly spaced over the run
            plan[i * gap:i * gap] = [(n, s, steps) for steps in BURST]
        return plan

    def start(self) -> "Writers":
        self.notifier.start()
        self.started_at = time.monotonic()
        for w in range(self.writers):
            share = list(enumerate(self.streams))[w::self.writers]
            thread = threading.Thread(target=self._write, args=(self.plan(share),), name=f"writer-{w}",
                                      daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def _write(self, plan) -> None:
        name = threading.current_thread().name
        try:
            self.state[name] = "connecting"
            conn = reconnect(self.url)
            for number, stream, steps in plan:
                while True:
                    try:
                        self.state[name] = f"appending {stream} {steps}"
                        self._append(conn, number, stream, steps)
                        break
                    except psycopg.OperationalError as exc:  # the server restarted or the link reset: committed?
                        self.state[name] = f"reconnecting after {type(exc).__name__}"
                        conn = reconnect(self.url)
                        self.state[name] = "checking the stream's version"
                        row = conn.execute("SELECT max(stream_version) AS v FROM events WHERE stream_name = %s",
                                           (stream,)).fetchone()
                        if row["v"] is not None and row["v"] >= steps[-1]:
                            break
                self.appended += len(steps)
                self.notifier.poke()  # NOTIFY events_appended, as a service does after its commits
                if self.pause:
                    self.state[name] = "pausing"
                    time.sleep(self.pause)
            self.state[name] = "done"
            conn.close()
        except BaseException as exc:  # re-raised by join()
            self.state[name] = f"failed: {type(exc).__name__}"
            self.errors.append(exc)

    def _append(self, conn, number: int, stream: str, steps: tuple[int, ...]) -> None:
        metadata = eventstore.Metadata("roles", self.instance_id, "fault-test", uuid.uuid4())
        with conn.transaction():
            eventstore.append(conn, stream, [stream_events(number, step) for step in steps],
                              steps[0] - 1 if steps[0] else eventstore.NO_STREAM, metadata)

    def join(self, timeout: float = 300) -> None:
        for thread in self.threads:
            thread.join(timeout)
        self.finished_at = time.monotonic()
        self.notifier.stop()
        if self.errors:
            raise self.errors[0]
        assert self.appended == self.expected, f"writers appended {self.appended} of {self.expected}"


def reconnect(url: str, timeout: float = 120, autocommit: bool = False):
    """A connection to `url`, waiting out a server that is restarting."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return db.connect(url, autocommit=autocommit, connect_timeout=10)
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class Watch:
    """An autocommit connection for the test's own queries that reconnects after a server restart."""

    def __init__(self, url: str):
        self.url = url
        self.conn = reconnect(url, autocommit=True)

    def execute(self, sql: str, params=None):
        for attempt in range(3):
            try:
                return self.conn.execute(sql, params)
            except psycopg.OperationalError:
                if attempt == 2:
                    raise
                self.conn.close()
                self.conn = reconnect(self.url, autocommit=True)

    def close(self) -> None:
        self.conn.close()


# -- the counts ----------------------------------------------------------------------------------------
@dataclass
class Progress:
    appended: int
    published_to: int  # the relay's checkpoint (global position)
    applied: int  # rows in applied_events

    writers: str = ""

    def __str__(self):
        return f"appended={self.appended} relay_checkpoint={self.published_to} applied={self.applied}"


@dataclass
class Outcome:
    appended_ids: list
    applied_rows: list  # (event_id, stream, stream_version, seq) in seq order
    deliveries: Counter  # outcome -> committed deliveries
    dead_lettered: int
    faults: list = field(default_factory=list)
    seconds: float = 0.0
    diagnosis: str = ""
    dead: list = field(default_factory=list)
    recoveries: list = field(default_factory=list)  # seconds from each fault's end until both relay and consumer moved
    repeats: int = 0
    scenario: str = ""
    mid_stream: int = 0

    @property
    def applications(self) -> Counter:
        return Counter(str(row["event_id"]) for row in self.applied_rows)

    @property
    def lost(self) -> set:
        return set(self.appended_ids) - set(self.applications)

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.applications.values() if n > 1)

    @property
    def unknown(self) -> set:
        return set(self.applications) - set(self.appended_ids)

    def streams_out_of_order(self) -> dict:
        """Streams whose applied versions, in the order applied, are not 0, 1, 2, ... (first few)."""
        by_stream: dict[str, list[int]] = {}
        for row in self.applied_rows:
            by_stream.setdefault(row["stream"], []).append(row["stream_version"])
        return {s: v for s, v in by_stream.items() if v != list(range(len(v)))}

    def row(self) -> dict:
        """The scenario's line of the suite's summary table."""
        recoveries = sorted(self.recoveries)
        return {"scenario": self.scenario, "repeats": self.repeats, "mid_stream": self.mid_stream, "appended": len(self.appended_ids),
                "applied": len(self.applied_rows), "lost": len(self.lost), "applied_twice": self.duplicates,
                "out_of_order": len(self.streams_out_of_order()), "dead_lettered": self.dead_lettered,
                "recover_p50_s": round(recoveries[len(recoveries) // 2], 1) if recoveries else None,
                "recover_max_s": round(recoveries[-1], 1) if recoveries else None,
                "seconds": round(self.seconds), "died": list(self.dead)}

    def summary(self) -> str:
        return (f"appended={len(self.appended_ids)} applied={len(self.applied_rows)} lost={len(self.lost)} "
                f"duplicates={self.duplicates} | deliveries: "
                + " ".join(f"{k}={v}" for k, v in sorted(self.deliveries.items()))
                + f" dead_lettered={self.dead_lettered} | {self.seconds:.0f}s")


class Scenario:
    """Runs the relay and the counter, the writers, and faults injected once the counts say the stream
    is partly through; then waits until everything appended was applied and nothing more arrives."""

    def __init__(self, instance: CountingInstance, streams: int = 1000, writers: int = 4, pause: float = 0.0):
        self.instance = instance
        self.writers = Writers(instance, streams, writers, pause)
        self.roles = Watch(instance.database_url("roles"))
        self.counter = Watch(instance.database_url(COUNTER))
        self.faults: list[str] = []
        self.dead: list[str] = []  # processes that did not survive a fault and were restarted
        self.recoveries: list[float] = []
        self.repeats = 0
        self.mid_stream = 0  # faults that began while events were still to be applied
        self.last_fault: str | None = None
        self.counters = [COUNTER]  # the consumer's replicas (process names)

    # progress ----------------------------------------------------------------------------------------
    def applied(self) -> int:
        return self.counter.execute("SELECT count(*) AS n FROM applied_events").fetchone()["n"]

    def checkpoint(self) -> int:
        row = self.roles.execute("SELECT global_position AS g FROM relay_checkpoints").fetchone()
        return row["g"] if row else 0

    def last_position(self) -> int:
        return self.roles.execute("SELECT coalesce(max(global_position), 0) AS g FROM events").fetchone()["g"]

    def progress(self) -> Progress:
        return Progress(self.writers.appended, self.checkpoint(), self.applied())

    def check_writers(self, stall: float = 90.0) -> None:
        """Raise a writer's error, or a stall: writers not done and not appending for `stall` seconds."""
        if self.writers.errors:
            raise self.writers.errors[0]
        now = time.monotonic()
        if self.writers.appended != getattr(self, "_seen_appended", None):
            self._seen_appended, self._seen_at = self.writers.appended, now
        elif self.writers.appended < self.writers.expected and now - self._seen_at > stall:
            raise TimeoutError(f"the writers stopped appending for {stall:.0f}s at {self.writers.appended}: "
                               f"{self.writers.state}")

    def wait_for(self, predicate, what: str, timeout: float = 120) -> Progress:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            progress = self.progress()
            if predicate(progress):
                return progress
            self.check_writers()
            self.restart_the_dead()
            time.sleep(0.05)
        raise TimeoutError(f"{what} not reached within {timeout}s ({self.progress()}; writers: {self.writers.state})")

    def record(self, name: str, before: Progress, **details) -> None:
        """Log a fault and check it happened mid-stream: some events applied, not all appended ones."""
        extra = " ".join(f"{k}={v}" for k, v in details.items())
        self.faults.append(f"{name} at [{before}] {extra}".rstrip())
        self.last_fault = name
        assert before.applied > 0, f"{name} before anything was applied: {before}"
        if before.applied < self.writers.expected:
            self.mid_stream += 1

    def recover(self, at: Progress | None = None, timeout: float = 180) -> float:
        """Seconds from the end of a fault until the relay and the consumer both moved on: the checkpoint
        past where it was (or at the last event) and the applied count past where it was (or complete)."""
        started = time.monotonic()
        at = at or self.progress()
        while True:
            self.check_writers()
            self.restart_the_dead()
            now = self.progress()
            relay = now.published_to > at.published_to or now.published_to >= self.last_position()
            consumer = now.applied > at.applied or now.applied >= self.writers.expected
            if relay and consumer:
                seconds = time.monotonic() - started
                self.recoveries.append(seconds)
                return seconds
            if time.monotonic() - started > timeout:
                self.faults.append(f"  no recovery within {timeout}s: [{now}]; writers: {self.writers.state}")
                self.recoveries.append(float("inf"))
                return float("inf")
            time.sleep(0.05)

    def repeat(self, fault, repeats: int, *, start_at: float = 0.1, end_at: float = 0.9) -> None:
        """`fault(i)` `repeats` times, spread over the run: the i-th once the applied count passes its
        share of the expected events; each waits for the recovery from the one before."""
        expected = self.writers.expected
        for i in range(repeats):
            share = start_at + (end_at - start_at) * (i / max(1, repeats - 1) if repeats > 1 else 0.5)
            threshold = max(1, int(expected * share))
            self.wait_for(lambda p: p.applied >= threshold, f"{threshold} events applied (fault {i + 1})",
                          timeout=600)
            fault(i)
            self.repeats += 1
            self.recover()

    # faults ------------------------------------------------------------------------------------------
    def kill_relay(self, down_for: float = 1.0) -> None:
        before = self.progress()
        self.instance.processes["roles-relay"].kill()  # SIGKILL
        time.sleep(down_for)
        self.instance.start_relay("roles")
        self.record("kill -9 relay", before)

    def kill_counter(self, down_for: float = 1.0, name: str = COUNTER) -> None:
        before = self.progress()
        self.instance.processes[name].kill()  # SIGKILL
        time.sleep(down_for)
        self.instance.start_counter(name=name)
        self.record(f"kill -9 {name}", before)

    def kill_replica_while_peer_works(self, victim: str, down_for: float = 2.0) -> None:
        """SIGKILL one replica; while it is down, its peer must go on applying on its own."""
        peer = next(name for name in self.counters if name != victim)
        before = self.progress()
        self.instance.processes[victim].kill()
        time.sleep(down_for)
        during = self.progress()
        peer_alone = during.applied - before.applied
        self.instance.start_counter(name=victim)
        self.record(f"kill -9 {victim} ({peer} working)", before, applied_by_peer_alone=peer_alone)
        assert self.instance.processes[peer].running, f"{peer} died while {victim} was down"
        assert peer_alone > 0 or during.applied >= self.writers.expected, (
            f"{peer} applied nothing in the {down_for}s its peer {victim} was down")

    def kill_counter_mid_commit(self, down_for: float = 1.0, in_flight: int = 5) -> None:
        """kill -9 the consumer while its workers are inside COMMIT, and let those commits fail.

        The test takes the commit gate (tests/support/counting_migrations/counting_0002_commit_gate.sql)
        so the counter's transactions hang at COMMIT, waits until `in_flight` of them do, kills the
        process, then terminates their backends: the COMMITs never complete, as when a process dies
        before its COMMIT reached the server. A consumer that acks only after its commit left those
        messages unacked, so the broker redelivers them; one that acks first has lost them."""
        gate = db.connect(self.instance.database_url(COUNTER), autocommit=True)
        waiting = ("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                   "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
        try:
            gate.execute("SELECT pg_advisory_lock(hashtext('counter-commit-gate'))")
            deadline = time.monotonic() + 30
            while len(gate.execute(waiting).fetchall()) < in_flight and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.2)  # an ack sent before the commit would reach the broker now
            before = self.progress()
            self.instance.processes[COUNTER].kill()  # SIGKILL
            stuck = [r["pid"] for r in gate.execute(waiting).fetchall()]
            for pid in stuck:
                gate.execute("SELECT pg_terminate_backend(%s)", (pid,))
            gate.execute("SELECT pg_advisory_unlock(hashtext('counter-commit-gate'))")
        finally:
            gate.close()
        time.sleep(down_for)
        self.instance.start_counter()
        self.record("kill -9 counter inside COMMIT", before, commits_in_flight=len(stuck))
        assert len(stuck) >= in_flight, f"only {len(stuck)} commits were in flight at the kill"

    def restart_broker(self, down_for: float = 2.0, awaiting_confirms: bool = False) -> None:
        """Restart RabbitMQ (stop_app/start_app) of the private node. With `awaiting_confirms`, the memory
        alarm blocks publishers first, so the relay has a batch published but unconfirmed when the broker
        goes down: the broker drops it, and only a relay that checkpoints after confirms republishes it."""
        broker = self.instance.rig.broker
        details = {}
        before = self.progress()  # when the fault began (the block is part of it)
        watermark = broker.block_publishers() if awaiting_confirms else None
        try:
            if awaiting_confirms:
                at = self.progress()
                # The writers go on; the relay reads their events and publishes them into the block.
                if at.appended < self.writers.expected:
                    more = min(300, self.writers.expected - at.appended)
                    self.wait_for(lambda p: p.appended >= at.appended + more, "appends while publishers are blocked")
                time.sleep(1.0)
                details["unpublished_or_unconfirmed"] = self.writers.appended - self.checkpoint()
            details.update(broker.restart_app(down_for))
        finally:
            if watermark is not None:
                broker.unblock_publishers(watermark)
        self.record("rabbitmq stop_app/start_app" + (" with publishes awaiting confirms" if watermark else ""),
                    before, **details)

    def restart_postgres(self) -> None:
        before = self.progress()
        details = self.instance.rig.restart_postgres()
        self.record("postgresql restart -m immediate", before, **details)

    def disturb_network(self, kind: str, seconds: float = 2.0, delay: float = 0.05) -> None:
        """Through the rig's TCP proxies, between the processes and the broker and the database:
        `reset-broker`, `reset-database` (every connection gets an RST), `delay` (both links), `pause`
        (both links carry nothing for `seconds`)."""
        rig = self.instance.rig
        before = self.progress()
        details = {}
        if kind == "reset-broker":
            details["connections_reset"] = rig.broker_proxy.reset()
        elif kind == "reset-database":
            details["connections_reset"] = rig.postgres_proxy.reset()
        elif kind == "delay":
            rig.broker_proxy.delay(delay)
            rig.postgres_proxy.delay(delay)
            time.sleep(seconds)
            rig.broker_proxy.delay(0)
            rig.postgres_proxy.delay(0)
            details["delay_ms"] = int(delay * 1000)
        elif kind == "pause":
            rig.broker_proxy.pause()
            rig.postgres_proxy.pause()
            time.sleep(seconds)
            rig.broker_proxy.resume()
            rig.postgres_proxy.resume()
            details["paused_s"] = seconds
        else:
            raise ValueError(kind)
        self.record(f"network {kind}", before, **details)

    def restart_the_dead(self) -> None:
        """Restart, as an operator would, any process that died (every intended kill is followed by its
        own restart), and keep it on record: services and the relay should survive the faults by
        themselves (`test_no_process_dies_of_a_fault`)."""
        for name, process in list(self.instance.processes.items()):
            if process.running:
                continue
            lines = [line.strip() for line in process.log().splitlines() if line.strip()]
            error = next((line for line in reversed(lines) if not line.startswith(("{", "File", "^"))), "?")
            ours = [line for line in lines[-80:] if line.startswith('File "') and "site-packages" not in line]
            cause = self.last_fault or "no fault"
            self.dead.append(f"{name} died after '{cause}' (exit {process.popen.returncode}): {error}"
                             + (f"; last frame of ours: {ours[-1]}" if ours else ""))
            if name.startswith(COUNTER):
                self.instance.start_counter(name=name)
            elif name.endswith("-relay"):
                self.instance.start_relay(name[:-len("-relay")])
            else:
                self.instance.start_service(name)
            self.faults.append(f"  operator restarted {name}, which died after '{cause}'")

    # the run -----------------------------------------------------------------------------------------
    def start(self, relay: bool = True, feed: bool = True, replicas: int = 1) -> "Scenario":
        """Start the counter (`replicas` processes on the same queue), the relay unless the faults start
        it later, and the writers.

        With `feed`, the roles service runs too: it serves the event feed (runtime/messaging/feed.py) that the
        counter catches up from whenever it starts (runtime/messaging/catchup.py), a second path for the same
        events that the inbox must dedupe as well. That catch-up also repairs, at the consumer's next
        start, an event the broker path lost; so scenarios that guard one broker-path mechanism on its
        own run without it (the counter's catch-up then finds no `roles` service and retries)."""
        self.started = time.monotonic()
        if feed:
            self.instance.start_service("roles")
        self.counters = [COUNTER] if replicas == 1 else [f"{COUNTER}-{chr(97 + i)}" for i in range(replicas)]
        for name in self.counters:
            self.instance.start_counter(name=name)
        if relay:
            self.instance.start_relay("roles")
        self.writers.start()
        return self

    def finish(self, timeout: float = 180, settle: float = 8.0, give_up: float = 45.0) -> Outcome:
        """Wait until every appended event was applied, the relay's checkpoint is at the end, the queue
        is empty and the applied count has not moved for `settle` seconds; then collect the counts.
        Gives up early when, for `give_up` seconds, everything was published and consumed and still
        events are missing: they are lost, and waiting longer will not bring them."""
        self.writers.join(timeout=max(300, timeout))
        last_event = self.last_position()
        deadline = time.monotonic() + timeout
        stable_since, last = None, None
        while True:
            self.restart_the_dead()
            applied = self.applied()
            distinct = self.counter.execute(
                "SELECT count(DISTINCT event_id) AS n FROM applied_events").fetchone()["n"]
            try:
                queued = self.instance.queue_info(COUNTER_QUEUE).get("messages", 0)
            except requests.RequestException:
                queued = None
            drained = self.checkpoint() == last_event and queued == 0
            done = drained and distinct >= self.writers.expected
            if (done or drained) and applied == last:
                if time.monotonic() - stable_since >= (settle if done else give_up):
                    break
            else:
                stable_since, last = time.monotonic(), applied
            if time.monotonic() > deadline:
                break  # the assertions report what is missing
            time.sleep(0.5)
        return self.outcome()

    def outcome(self) -> Outcome:
        appended = [str(r["event_id"]) for r in self.roles.execute("SELECT event_id FROM events").fetchall()]
        rows = self.counter.execute(
            "SELECT event_id, stream, stream_version, seq FROM applied_events ORDER BY seq").fetchall()
        deliveries = Counter({r["outcome"]: r["n"] for r in self.counter.execute(
            "SELECT outcome, count(*) AS n FROM deliveries GROUP BY outcome").fetchall()})
        dead = self.instance.queue_info(f"{COUNTER_QUEUE}.dead-letter").get("messages", 0)
        return Outcome(appended, rows, deliveries, dead, list(self.faults), time.monotonic() - self.started,
                       self.diagnose(), list(self.dead), list(self.recoveries), self.repeats,
                       mid_stream=self.mid_stream)

    def diagnose(self) -> str:
        """Where the events stopped, for a failure message."""
        last = self.last_position()
        queue = self.instance.queue_info(COUNTER_QUEUE)
        blockers = self.roles.execute(
            "SELECT datname, pid, state, backend_xid::text AS xid, "
            "round(extract(epoch FROM now() - xact_start)) AS seconds FROM pg_stat_activity "
            "WHERE backend_xid IS NOT NULL AND xact_start < now() - interval '10 seconds' "
            "ORDER BY xact_start").fetchall()
        return (f"last event={last} relay checkpoint={self.checkpoint()} queue ready={queue.get('messages_ready')} "
                f"unacked={queue.get('messages_unacknowledged')} consumers={queue.get('consumers')}; "
                f"long transactions holding back the feed horizon: {blockers or 'none'}")

    def close(self) -> None:
        self.writers.notifier.stop()
        self.roles.close()
        self.counter.close()


# -- sizes and the summary -----------------------------------------------------------------------------
def _size(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip().isdigit() else default


# The short version (CI) by default; `bash deploy/faults.sh --long` sets FAULT_EVENTS=100000 FAULT_REPEATS=20.
EVENTS = _size("FAULT_EVENTS", 3000)
REPEATS = _size("FAULT_REPEATS", 3)
SUMMARY: list[dict] = []  # one row per scenario run in this session (tests/faults/conftest.py prints them)
SHARED_BROKER: dict = {}

COLUMNS = ("scenario", "repeats", "mid_stream", "appended", "applied", "lost", "applied_twice", "out_of_order", "dead_lettered",
           "recover_p50_s", "recover_max_s", "seconds")


def summary_table(rows: list[dict]) -> list[str]:
    """The summary as a Markdown table, then every process that died of a fault."""
    lines = ["| " + " | ".join(COLUMNS) + " | died |", "|" + "---|" * (len(COLUMNS) + 1)]
    for row in rows:
        died = len(row["died"]) if row["died"] else 0
        lines.append("| " + " | ".join(str(row[c]) for c in COLUMNS) + f" | {died} |")
    for row in rows:
        lines += [f"  {row['scenario']}: {death}" for death in row["died"]]
    return lines
