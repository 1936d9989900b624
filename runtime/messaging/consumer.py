"""`consumes`: the event-handler entrypoint every service uses instead of nameko's `event_handler`.

    @consumes("roles", categories=["function_description"])
    def on_function_description(self, event): self.db.apply_once(event, self._project)

What it changes against nameko's defaults, each a trap verified in this stack:
- The queue is durable and quorum, with a delivery limit and a dead-letter queue, and it is declared
  by `peer-admin declare-topology` before any relay publishes (runtime/messaging/topology.py), not only when the
  handler first starts.
- A handler failing for a transient reason (the database down, a deadlock) is run again in the process
  with backoff, the message held unacked, before that counts as a delivery (TRANSIENT_ATTEMPTS).
- A handler that raises is requeued (not acked and lost); after DELIVERY_LIMIT deliveries the broker
  dead-letters it to `<queue>.dead-letter`, where ops inspect and replay it.
- An envelope that matches no contract, or a body that is not JSON, is dead-lettered at once:
  retrying cannot fix it (nameko/kombu would ack and lose it, logging the body). So is a body over
  MAX_BODY_BYTES, text with a NUL character or an unpaired surrogate (PostgreSQL cannot store either:
  the handler would fail at every delivery), and, on a service's own `<source>.events` exchange, an
  envelope naming another source service or another instance (forged: what comes from elsewhere
  arrives on the exchanges deploy/ declares for it, `exchange=`).
- The worker's transaction commits before the message is acked (runtime/store.complete).
- At start-up it catches up from the source's event feed (runtime/messaging/catchup.py).
- It binds whole stream categories (`<category>.#`) so the inbox sees every version of a stream and
  can restore order.
- Deliveries of one stream run one after another in the process, in delivery order (other streams in
  parallel). Run concurrently, the later event of a stream often took the inbox's row lock first, was
  parked and committed, and the earlier one waited for that commit: one more commit on the path of the
  commands that append two events to a stream at once (a publication and its national fact).
- `exchange=` binds an exchange that deploy/ declares instead of `<source>.events` (the national
  service's `national.inbound`, fed by the regions' shovels), and `catch_up=False` skips the feed catch-up when no source
  service answers `events_after` on this broker (the regions re-send instead: runtime/messaging/national_share.py).
  The downlink: `exchange="national.broadcast"` (announcements to every region, key = event type) or
  `exchange="national.addressed"` (answers for this instance only: bound as `<instance id>.<category>.#`),
  with `catch_up=False`; deduplicated and ordered by the inbox like every other consumer.
"""
from __future__ import annotations

import logging
import uuid
import time
from collections import deque

import amqp.exceptions
import eventlet
import kombu.exceptions
from datetime import datetime, timezone
from functools import partial

import inspect

from kombu import Queue
from nameko.messaging import Consumer, QueueConsumer

from contracts.envelope import read_envelope
from contracts.registry import ContractError
from runtime import eventstore, metrics
from runtime.config import settings
from runtime.messaging.catchup import FeedCatchUp
from runtime.messaging.topology import consumer_queue, dead_letter_queue, declare_queues
from runtime.service.database import complete, is_transient

log = logging.getLogger(__name__)

# The largest body a consumer accepts: the biggest event a contract allows is a few kilobytes.
MAX_BODY_BYTES = 1024 * 1024


def _text_refusal(value, path: str = "envelope"):
    """(field, reason) of the first string in `value` PostgreSQL could not store, or None."""
    if isinstance(value, str):
        if "\x00" in value:
            return path, "contains a NUL character"
        if any("\ud800" <= char <= "\udfff" for char in value):
            return path, "contains an unpaired surrogate"
    elif isinstance(value, dict):
        for key, item in value.items():
            refusal = _text_refusal(key, path) or _text_refusal(item, f"{path}.{key}")
            if refusal:
                return refusal
    elif isinstance(value, list):
        for index, item in enumerate(value):
            refusal = _text_refusal(item, f"{path}[{index}]")
            if refusal:
                return refusal
    return None

# What a dropped broker connection raises when a message is settled on it: py-amqp's own errors,
# kombu's wrapper, and a plain socket reset (nameko 2.14 only catches the first, so the others
# escaped and killed the whole service at the next broker restart).
BROKER_GONE = (OSError, amqp.exceptions.ConnectionError, kombu.exceptions.OperationalError)


def settle_safely(settle, queue: str) -> None:
    """Ack/requeue/reject, tolerating a connection that has gone: the broker then redelivers the
    message by itself, and the inbox makes the redelivery harmless."""
    try:
        settle()
    except BROKER_GONE as exc:
        log.warning("broker connection gone while settling a message; it will be redelivered",
                    extra={"queue": queue, "error": type(exc).__name__})

# Transient failures are retried in the process with backoff (0.5 s, 1 s, 2 s, … at most 10 s apart,
# about a minute in all) before the message is requeued and the attempt counts against DELIVERY_LIMIT.
TRANSIENT_ATTEMPTS = 9
RETRY_BACKOFF, RETRY_BACKOFF_MAX = 0.5, 10.0


class DeadLetteringQueueConsumer(QueueConsumer):
    """nameko's queue consumer, except for bodies it cannot decode (e.g. `text/plain`).

    kombu's default logs the raw body (possibly personal data) and acks it (the event is lost).
    Here it is dead-lettered, and only its content type is logged.
    """

    def on_decode_error(self, message, exc):
        log.error("undecodable message rejected to dead-letter queue",
                  extra={"content_type": message.content_type, "error": type(exc).__name__,
                         "message_id": message.properties.get("message_id")})
        settle_safely(lambda: message.reject(requeue=False), "undecodable")


class EventConsumer(Consumer):
    queue_consumer = DeadLetteringQueueConsumer()

    @staticmethod
    def event_metadata(worker_ctx, service: str, instance_id: str) -> eventstore.Metadata:
        """Events a consumer appends are the service's, caused by the event it applies."""
        envelope = worker_ctx.args[0]
        return eventstore.Metadata(service, instance_id, f"service:{service}",
                                   uuid.UUID(envelope["correlation_id"]), uuid.UUID(envelope["event_id"]))

    def __init__(self, source_service: str, categories, exchange: str | None = None, catch_up: bool = True,
                 **kwargs):
        self.source_service = source_service
        self.categories = tuple(categories)
        self.exchange = exchange
        self.catch_up = catch_up
        self._in_flight: dict[str, deque] = {}  # stream -> deliveries waiting for its worker in flight
        super().__init__(queue=None, requeue_on_error=True, **kwargs)

    def setup(self):
        self.instance_id = settings().instance_id
        self.queue = consumer_queue(self.container.service_name, self.method_name,
                                    self.source_service, self.categories, self.exchange)
        declare_queues(self.container.config["AMQP_URI"], [self.queue, dead_letter_queue(self.queue.name)])
        super().setup()

    stopping = False

    def stop(self):
        self.stopping = True
        super().stop()

    def start(self):
        super().start()
        if not self.catch_up:
            return
        self.container.spawn_managed_thread(FeedCatchUp(self).run)

    def checked_envelope(self, body, message) -> dict:
        """The envelope, or ContractError naming the field and the reason it is refused."""
        if len(message.body or b"") > MAX_BODY_BYTES:
            raise ContractError("body", f"larger than {MAX_BODY_BYTES} bytes")
        refusal = _text_refusal(body)
        if refusal:
            raise ContractError(*refusal)
        envelope = read_envelope(body)
        if self.exchange is None:  # the source's own exchange of this instance's broker
            if envelope["source_service"] != self.source_service:
                raise ContractError("source_service", f"not {self.source_service!r}, whose exchange this is")
            if envelope["instance_id"] != self.instance_id:
                raise ContractError("instance_id", "not this instance's")
        return envelope

    def handle_message(self, body, message):
        try:
            envelope = self.checked_envelope(body, message)
        except ContractError as exc:
            # Poison: no retry can make it match. Dead-letter it now, visibly, without its content.
            log.error("event rejected to dead-letter queue",
                      extra={"queue": self.queue.name, "field": exc.field, "reason": exc.reason,
                             "message_id": message.properties.get("message_id")})
            settle_safely(lambda: message.reject(requeue=False), self.queue.name)
            return
        waiting = self._in_flight.get(envelope["stream"])
        if waiting is not None:  # a worker of this stream is running: this one runs after it
            waiting.append((envelope, message))
            return
        self._in_flight[envelope["stream"]] = deque()
        self._spawn(envelope, message, attempt=1)

    def _next_of_stream(self, stream: str) -> None:
        """The stream's worker finished (settled or handed back): start its next delivery, if any.

        Started from a thread of its own: this runs inside the finishing worker, and spawning from there
        could wait forever for a free worker when every worker is finishing the same way."""
        waiting = self._in_flight.get(stream)
        if not waiting:
            self._in_flight.pop(stream, None)
            return
        envelope, message = waiting.popleft()
        if self.stopping:  # shutting down: the broker redelivers it (and those behind it) to whoever runs next
            settle_safely(lambda: self.queue_consumer.requeue_message(message), self.queue.name)
            self._next_of_stream(stream)
            return
        try:
            self.container.spawn_managed_thread(lambda: self._spawn(envelope, message, attempt=1))
        except Exception:  # container being killed
            settle_safely(lambda: self.queue_consumer.requeue_message(message), self.queue.name)
            self._next_of_stream(stream)

    def _spawn(self, envelope: dict, message, attempt: int) -> None:
        context_data = {"correlation_id": envelope["correlation_id"]}
        try:
            self.container.spawn_worker(self, (envelope,), {}, context_data=context_data,
                                        handle_result=partial(self.handle_result, message, time.perf_counter(),
                                                              attempt=attempt))
        except Exception:  # container being killed: hand the message back to the broker
            settle_safely(lambda: self.queue_consumer.requeue_message(message), self.queue.name)
            self._next_of_stream(envelope["stream"])

    def _retry_later(self, envelope: dict, message, attempt: int, error: BaseException) -> None:
        """Run the event again after a backoff, holding the message unacked: a transient failure (the
        database down, a deadlock) does not count against the delivery limit until retries run out."""
        delay = min(RETRY_BACKOFF * 2 ** (attempt - 1), RETRY_BACKOFF_MAX)
        metrics.CONSUMER_RETRIES.labels(self.queue.name).inc()
        log.warning("transient failure, retrying the event later",
                    extra={"queue": self.queue.name, "error": type(error).__name__, "attempt": attempt,
                           "retry_in_seconds": delay, "event_id": envelope["event_id"]})

        def retry():
            eventlet.sleep(delay)
            if self.stopping:  # shutting down: the broker redelivers it to whoever runs next
                settle_safely(lambda: self.queue_consumer.requeue_message(message), self.queue.name)
                self._next_of_stream(envelope["stream"])
                return
            self._spawn(envelope, message, attempt + 1)

        self.container.spawn_managed_thread(retry)

    def handle_result(self, message, started, worker_ctx, result=None, exc_info=None, attempt: int = 1):
        exc_info = complete(worker_ctx, exc_info)
        metrics.HANDLER_LATENCY.labels(self.queue.name).observe(time.perf_counter() - started)
        if exc_info is not None and is_transient(exc_info[1]) and attempt < TRANSIENT_ATTEMPTS:
            try:
                self._retry_later(worker_ctx.args[0], message, attempt, exc_info[1])
                return result, exc_info
            except Exception:  # container stopping: settle as any failure (requeue)
                pass
        try:
            settle_safely(lambda: self.handle_message_processed(message, result, exc_info), self.queue.name)
        finally:
            self._next_of_stream(worker_ctx.args[0]["stream"])
        if exc_info is None:
            occurred = datetime.fromisoformat(worker_ctx.args[0]["occurred_at"])
            metrics.CONSUMER_LAG.labels(self.queue.name).set((datetime.now(timezone.utc) - occurred).total_seconds())
        return result, exc_info


consumes = EventConsumer.decorator


def consumer_entrypoints(cls) -> list[tuple[str, str, EventConsumer]]:
    """(queue name, method name, entrypoint) of each `@consumes` entrypoint of a service class."""
    return [(f"{cls.name}.{method}", method, entrypoint) for method, member in inspect.getmembers(cls)
            for entrypoint in getattr(member, "nameko_entrypoints", ()) if isinstance(entrypoint, EventConsumer)]


def consumer_queues(cls) -> list[Queue]:
    """Every consumer queue of a service class, each followed by its dead-letter queue."""
    queues = []
    for _, method, entrypoint in consumer_entrypoints(cls):
        queue = consumer_queue(cls.name, method, entrypoint.source_service, entrypoint.categories,
                               entrypoint.exchange)
        queues += [queue, dead_letter_queue(queue.name)]
    return queues
