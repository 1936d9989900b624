"""Publishing with pipelined publisher confirms and `mandatory`, on py-amqp (kombu's transport).

A batch is sent without waiting per message; the broker's acks (possibly `multiple`) are then
drained until every delivery tag is settled. A nack or a lost connection fails the whole batch, so
the caller does not advance its checkpoint and republishes: consumers are idempotent.

`AMQP_URI` may name several brokers, `;`-separated (the nodes of a cluster, deploy/README.md): kombu, and so
nameko, fails over between them; this publisher connects to the first that accepts it, in that order.
"""
from __future__ import annotations

import json
import logging
import socket
from urllib.parse import unquote, urlsplit

import amqp
import amqp.exceptions

log = logging.getLogger(__name__)


class PublishFailed(Exception):
    pass


def broker_uris(amqp_uri: str) -> list[str]:
    """The brokers of an `AMQP_URI`: one URI, or several separated by `;` as kombu takes them for failover."""
    return [uri.strip() for uri in amqp_uri.split(";") if uri.strip()]


def connect(amqp_uri: str, connect_timeout: float = 5) -> amqp.Connection:
    """A connection to the first broker of `amqp_uri` that accepts one; the last error when none does."""
    error: BaseException | None = None
    uris = broker_uris(amqp_uri)
    for number, uri in enumerate(uris, start=1):
        connection = amqp.Connection(**connection_params(uri), heartbeat=0, connect_timeout=connect_timeout)
        try:
            connection.connect()
            return connection
        except (OSError, amqp.exceptions.AMQPError) as exc:  # refused, unreachable, node booting or stopping
            error = exc
            if number < len(uris):  # the last one's error is the caller's to report, in one line
                log.warning("broker unavailable, trying the next one",
                            extra={"broker": connection_params(uri)["host"], "error": type(exc).__name__})
            try:
                connection.collect()
            except Exception:  # a half-open connection: nothing left to release
                pass
    raise error or ValueError("AMQP_URI names no broker")


def connection_params(amqp_uri: str) -> dict:
    parts = urlsplit(amqp_uri)
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    return {
        "host": f"{parts.hostname or '127.0.0.1'}:{parts.port or 5672}",
        "userid": unquote(parts.username or "guest"),
        "password": unquote(parts.password or "guest"),
        "virtual_host": vhost,
    }


class ConfirmingPublisher:
    def __init__(self, amqp_uri: str, confirm_timeout: float = 30.0):
        self.confirm_timeout = confirm_timeout
        self.connection = connect(amqp_uri)
        self.channel = self.connection.channel()
        self.channel.confirm_select()
        self.channel.events["basic_ack"].add(self._on_ack)
        self.channel.events["basic_nack"].add(self._on_nack)
        self.channel.events["basic_return"].add(self._on_return)
        self._next_tag = 0
        self._unconfirmed: set[int] = set()
        self._nacked: set[int] = set()
        self.returned: list[tuple[str, str]] = []  # (routing key, message id) of unroutable messages
        self._declared: set[str] = set()

    def declare_exchange(self, exchange: str) -> None:
        # Same attributes nameko uses for `<service>.events`, so either side may declare it first.
        if exchange not in self._declared:
            self.channel.exchange_declare(exchange, "topic", durable=True, auto_delete=False)
            self._declared.add(exchange)

    def _settle(self, delivery_tag: int, multiple: bool, into: set | None) -> None:
        tags = {t for t in self._unconfirmed if t <= delivery_tag} if multiple else {delivery_tag}
        self._unconfirmed -= tags
        if into is not None:
            into |= tags

    def _on_ack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, None)

    def _on_nack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, self._nacked)

    def _on_return(self, exc, exchange, routing_key, message):
        # The broker sends basic.return before the basic.ack of the same message.
        self.returned.append((routing_key, message.properties.get("message_id")))

    def publish(self, exchange: str, routing_key: str, body: dict, message_id: str, headers: dict) -> None:
        """Send without waiting; `wait_for_confirms` settles the batch."""
        message = amqp.Message(
            json.dumps(body),
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
            message_id=message_id,
            application_headers=headers,
        )
        self.channel.basic_publish(message, exchange=exchange, routing_key=routing_key, mandatory=True)
        self._next_tag += 1
        self._unconfirmed.add(self._next_tag)

    def wait_for_confirms(self) -> list[tuple[str, str]]:
        """Block until the broker confirmed everything sent; returns and clears what was unroutable."""
        try:
            while self._unconfirmed:
                self.connection.drain_events(timeout=self.confirm_timeout)
        except socket.timeout:
            raise PublishFailed(f"{len(self._unconfirmed)} messages unconfirmed after {self.confirm_timeout}s")
        if self._nacked:
            count = len(self._nacked)
            self._nacked.clear()
            raise PublishFailed(f"broker nacked {count} messages")
        returned, self.returned = self.returned, []
        return returned

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # closing a dead connection: nothing left to do
            pass
