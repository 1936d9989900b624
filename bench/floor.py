"""The durable floor of the command → read model path: its three durable writes alone, with no service.

The measured path (bench/latency.py) cannot be faster than what it must make durable, in order: the
command's append (a PostgreSQL commit), the event on a quorum queue (which delivers a message only once
its Raft log holds it, written and synced), and the consumer's inbox row (another commit). This times
exactly that from one process: an autocommit INSERT, a persistent publish to a quorum queue, a bare
py-amqp consumer that INSERTs on its own connection and acks; one sample is the time from the first
INSERT until the consumer's commit returned. The bare RPC round trip, the issue's baseline, makes
nothing durable, so this floor says how much of the 3× the durable writes take before any code runs.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import amqp

from bench.common import scratch_database
from runtime import db
from runtime.messaging.publisher import connect

QUEUE = "bench.durable_floor"


class DurableFloor:
    def __init__(self, amqp_uri: str, database_url: str):
        self.writer = db.connect(database_url, autocommit=True)
        self.reader = db.connect(database_url, autocommit=True)
        self.writer.execute("CREATE TABLE floor_rows (id bigserial PRIMARY KEY, payload jsonb NOT NULL)")
        self.publishing = connect(amqp_uri)
        self.channel = self.publishing.channel()
        self.channel.queue_declare(QUEUE, durable=True, auto_delete=False, arguments={"x-queue-type": "quorum"})
        self.consuming = connect(amqp_uri)
        self.arrived = threading.Event()
        self.stopping = False
        consumer = self.consuming.channel()
        consumer.basic_qos(0, 10, False)  # nameko's prefetch
        consumer.basic_consume(QUEUE, callback=self._consume)
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _consume(self, message) -> None:
        self.reader.execute("INSERT INTO floor_rows (payload) VALUES (%s)", (message.body,))
        message.channel.basic_ack(message.delivery_tag)
        self.arrived.set()

    def _drain(self) -> None:
        while not self.stopping:
            try:
                self.consuming.drain_events(timeout=0.2)
            except TimeoutError:
                continue
            except Exception:  # the connection closed: the benchmark is over
                return

    def sample(self) -> float:
        self.arrived.clear()
        started = time.perf_counter()
        self.writer.execute("INSERT INTO floor_rows (payload) VALUES ('{\"appended\": true}')")
        self.channel.basic_publish(amqp.Message('{"event": true}', content_type="application/json", delivery_mode=2),
                                   exchange="", routing_key=QUEUE)
        if not self.arrived.wait(30):
            raise TimeoutError("the floor's message did not arrive in 30 s")
        return time.perf_counter() - started

    def close(self) -> None:
        self.stopping = True
        self.thread.join(timeout=5)
        for connection in (self.consuming, self.publishing):
            try:
                connection.close()
            except Exception:  # already gone
                pass
        self.writer.close()
        self.reader.close()


@contextmanager
def durable_floor(amqp_uri: str):
    """A `DurableFloor` over a scratch database and the given vhost (the instance's: removed with it)."""
    with scratch_database() as url:
        floor = DurableFloor(amqp_uri, url)
        try:
            yield floor
        finally:
            floor.close()
