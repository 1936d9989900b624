"""One line, no traceback, when what a command needs does not answer: which part (PostgreSQL, RabbitMQ, a
service), where (host:port, never a password), and the variable that says where it is."""
from __future__ import annotations

import socket
from urllib.parse import urlsplit


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or '127.0.0.1'}:{parts.port or ''}".rstrip(":")


def explain(exc: BaseException, settings=None) -> str | None:
    """The operator's line for an exception that means "unreachable", or None for any other exception."""
    import psycopg
    import requests

    from demo.client import ServiceUnavailable

    if isinstance(exc, psycopg.OperationalError):
        where = f" at {_where(settings.pg_url)} (PG_URL)" if settings else ""
        reason = (str(exc).strip().splitlines() or ["no answer"])[-1]
        return f"PostgreSQL unreachable{where}: {reason}"
    if isinstance(exc, ServiceUnavailable):
        return f"service unreachable: {exc}"
    if isinstance(exc, requests.ConnectionError):
        request = getattr(exc, "request", None)
        return f"HTTP endpoint unreachable: {_where(request.url) if request is not None else exc}"
    amqp_errors = _amqp_errors()
    if isinstance(exc, amqp_errors) or isinstance(exc, (ConnectionError, socket.timeout, socket.gaierror)):
        where = f" at {_where(settings.amqp_uri)} (AMQP_URI)" if settings else ""
        return f"RabbitMQ unreachable{where}: {exc.__class__.__name__}: {exc}".rstrip(": ")
    return None


def _amqp_errors() -> tuple[type[BaseException], ...]:
    from amqp.exceptions import AccessRefused, ConnectionError as AmqpConnectionError
    from kombu.exceptions import OperationalError

    return (OperationalError, AmqpConnectionError, AccessRefused)
