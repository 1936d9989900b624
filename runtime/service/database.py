"""`Database`: the transaction-per-worker dependency provider (nameko-examples' pattern).

Each worker gets one connection and one transaction: its appends, read-model writes and inbox
records commit together, or roll back together if the worker raised.

nameko calls an entrypoint's `handle_result` (ack the message, send the HTTP response) *before*
the providers' `worker_result`. Committing in `worker_result` would ack an event before its effects
are durable, and a kill -9 in between would lose it. So our entrypoints call `complete()` first:
the commit happens, or its failure becomes the worker's error, before anything is acknowledged.
"""
from __future__ import annotations

import logging
import select
import sys
import uuid

import psycopg
from psycopg import pq
from nameko.extensions import DependencyProvider
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from runtime import db, eventstore, logs, metrics
from runtime.eventstore import inbox
from runtime.config import settings
from runtime.errors import Unavailable
from runtime.eventstore.notifier import Notifier

log = logging.getLogger(__name__)


class UnitOfWork:
    """What a worker sees: its connection, and appends stamped with who, why and where."""

    def __init__(self, conn, metadata: eventstore.Metadata, consumer: str | None = None):
        self.conn = conn
        self.store = eventstore.PostgresEventStore(conn)  # runtime/eventstore/memory.py has the in-memory one
        self.consumer = consumer
        self.metadata = metadata
        self.appended: list[eventstore.RecordedEvent] = []
        self.completed = False
        self.applied = 0  # events the inbox applied in this transaction: counted once it commits
        self.log_binding = None  # the worker's correlation id on its log lines (runtime/logs.py)

    def execute(self, query, params=None):
        return self.conn.execute(query, params)

    def append(self, stream: str, events, expected_version: int | None, metadata: eventstore.Metadata | None = None,
               occurred_at=None) -> list[eventstore.RecordedEvent]:
        recorded = self.store.append(stream, events, expected_version, metadata or self.metadata, occurred_at)
        self.appended.extend(recorded)
        return recorded

    def apply_once(self, envelope: dict, handler) -> str:
        """Apply a consumed event exactly once, in stream order (runtime/eventstore/inbox.py)."""
        if self.consumer is None:
            raise RuntimeError("apply_once is for @consumes entrypoints")

        def counted(event: dict) -> None:  # the delivered event, or a parked one its arrival released
            handler(event)
            self.applied += 1

        return inbox.apply_once(self.conn, self.consumer, envelope, counted)

    def read_stream(self, stream: str, after_version: int = -1):
        return self.store.read_stream(stream, after_version)

    def current_version(self, stream: str) -> int:
        return self.store.current_version(stream)


# How long a worker waits for a pooled connection before it answers 503 (or retries its event later).
POOL_WAIT = 5.0


def is_transient(exc: BaseException) -> bool:
    """A failure that retrying later can cure: the database unreachable or restarting, a pool exhausted,
    a serialisation failure or deadlock (psycopg files those under OperationalError too)."""
    return isinstance(exc, (Unavailable, PoolTimeout, psycopg.OperationalError))


class UnavailableUnit:
    """What a worker gets instead of a UnitOfWork while the database cannot be reached.

    nameko injects dependencies outside the worker's try-block, so an exception from `get_dependency`
    kills the whole container (the process). Injection therefore never raises: the worker runs, and its
    first use of the database raises `Unavailable` inside the try-block, where the HTTP entrypoint turns
    it into a 503 problem document and a consumer retries the event later."""

    conn = None
    completed = True

    def __getattr__(self, name):
        raise Unavailable()


def _metadata_for(worker_ctx, service: str, instance_id: str) -> eventstore.Metadata:
    """Who acts and why. An entrypoint that knows (HTTP: the caller; a consumer: the event it applies) says
    so itself through `event_metadata`: the unit of work does not know the kinds of entrypoint above it.
    Any other (an RPC, a timer) acts as the service, under the caller's correlation id if it has one."""
    own = getattr(worker_ctx.entrypoint, "event_metadata", None)
    if own is not None:
        return own(worker_ctx, service, instance_id)
    correlation = worker_ctx.context_data.get("correlation_id")
    try:
        correlation = uuid.UUID(str(correlation))
    except ValueError:
        correlation = uuid.uuid4()
    return eventstore.Metadata(service, instance_id, f"service:{service}", correlation)


def check_at_checkout(conn: psycopg.Connection) -> None:
    """The pool's check of a connection it hands out, without a round trip while the connection is plainly
    healthy (a round trip to the database was the first step of every request and every consumed event).

    An idle connection has nothing to read: the server sends nothing between queries but to end the
    session (a restart, a terminated backend), and a closed socket reads as end of file. So a connection
    libpq still calls healthy, whose socket has nothing waiting, is handed out as it is; any other gets
    the pool's usual round trip, which raises for a broken one (the pool then replaces it)."""
    if (not conn.closed and conn.pgconn.status == pq.ConnStatus.OK
            and conn.pgconn.transaction_status == pq.TransactionStatus.IDLE
            and not select.select([conn.fileno()], [], [], 0)[0]):
        return
    ConnectionPool.check_connection(conn)


class Database(DependencyProvider):
    def __init__(self, max_size: int | None = None):
        self.max_size = max_size
        self.units: dict = {}

    def setup(self):
        db.assert_green_wait()
        config = settings()
        self.instance_id = config.instance_id
        self.url = config.database_url(self.container.service_name)
        size = self.max_size or self.container.max_workers + 2
        # check: a connection broken by a database restart is replaced at checkout, instead of failing
        # the request it was handed to (`check_at_checkout`).
        self.pool = ConnectionPool(self.url, min_size=2, max_size=size, kwargs={"row_factory": dict_row},
                                   open=True, name=f"{self.container.service_name}-db",
                                   check=check_at_checkout)
        self.notifier = Notifier(self.url).start()

    def stop(self):
        self.notifier.stop()
        self.pool.close()

    kill = stop

    def get_dependency(self, worker_ctx):
        # nameko injects before it calls worker_setup, so the transaction starts here.
        metadata = _metadata_for(worker_ctx, self.container.service_name, self.instance_id)
        # Injection runs in the worker's green thread before the method: every line it logs, nameko's
        # own error line included, carries the request's or the consumed event's correlation id.
        log_binding = logs.bind_correlation_id(metadata.correlation_id)
        try:
            conn = self.pool.getconn(timeout=POOL_WAIT)
        except (PoolTimeout, psycopg.OperationalError) as exc:  # never raise here: see UnavailableUnit
            log.warning("database unavailable", extra={"error": type(exc).__name__})
            unit = self.units[worker_ctx] = UnavailableUnit()
        else:
            queue = getattr(worker_ctx.entrypoint, "queue", None)
            unit = self.units[worker_ctx] = UnitOfWork(conn, metadata, queue.name if queue is not None else None)
        unit.log_binding = log_binding
        return unit

    def complete(self, worker_ctx, exc_info):
        """Commit (or roll back after an error); returns the worker's error, if any, afterwards."""
        unit = self.units.get(worker_ctx)
        if unit is None or unit.completed or unit.conn.closed:
            return exc_info
        unit.completed = True
        if exc_info is not None:
            _rollback(unit.conn)
            return exc_info
        try:
            unit.conn.commit()
        except Exception:
            return sys.exc_info()
        if unit.appended:
            self.notifier.poke()
        if unit.applied:  # after the commit: a rolled-back application is applied again, and counted then
            metrics.CONSUMER_APPLIED.labels(unit.consumer).inc(unit.applied)
        return None

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        # Entrypoints that are not ours (nameko's rpc) reach here without `complete()`.
        self.complete(worker_ctx, exc_info)

    def worker_teardown(self, worker_ctx):
        unit = self.units.pop(worker_ctx)
        if unit.conn is not None:  # None: the database was unavailable, no connection was taken
            _rollback(unit.conn)  # no-op after a commit; never hand an open transaction back
            self.pool.putconn(unit.conn)  # a broken connection is discarded by the pool
        logs.unbind(unit.log_binding)


def _rollback(conn) -> None:
    """Roll back, tolerating a connection the database outage broke (raising here, in a result handler
    or a teardown, would kill the service)."""
    if conn.closed:
        return
    try:
        conn.rollback()
    except psycopg.Error:
        pass  # the transaction died with the connection; the pool replaces it


def complete(worker_ctx, exc_info):
    """Finish every `Database` transaction of the worker before its result is acknowledged."""
    for provider in worker_ctx.container.dependencies:
        if isinstance(provider, Database):
            exc_info = provider.complete(worker_ctx, exc_info)
    return exc_info
