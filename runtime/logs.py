"""Structured JSON logs with correlation ids. Callers pass ids and types in `extra`, never personal data.

Every line written while a request or a consumed event is handled carries its correlation id: the HTTP
entrypoint binds it in the server's green thread (`runtime.http.entrypoint`), the worker's `Database` binds it in
the worker's green thread (`runtime.service.database`); green threads do not inherit context variables, so each binds
its own. Client errors (4xx) that nameko logs at ERROR are demoted to INFO with their status (`ClientErrorsAtInfo`, runtime/http/entrypoint.py):
ERROR is kept for what ops must act on.
"""
import contextvars
import json
import logging
import re
import sys

from contracts.cpr import redact

# An HTTP request line's query string ("GET /x?name=... HTTP/1.1" in the access log) can carry personal data.
_QUERY = re.compile(r'("(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) [^ ?"]*)\?[^ "]*')
# A broker or database URL's password (`amqp://peer:secret@host`). nameko masks only the first URL of a failover list
# (`amqp://a;amqp://b`, a cluster's nodes) in its "Error connecting to broker at ..." lines: every one is masked here.
_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s;]+:)[^@\s;/]+@")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_CORRELATION_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)


def bind_correlation_id(correlation_id) -> contextvars.Token:
    """Mark every later log line of this green thread with `correlation_id` (undo with `unbind`)."""
    return _CORRELATION_ID.set(str(correlation_id))


def unbind(token: contextvars.Token) -> None:
    _CORRELATION_ID.reset(token)


def correlation_id() -> str | None:
    return _CORRELATION_ID.get()


def _of_worker(args) -> str | None:
    """The correlation id of a nameko worker named in a log line's arguments: nameko logs its
    'setting up <worker>' lines before the worker's own binding exists."""
    for arg in args if isinstance(args, tuple) else ():
        if type(arg).__name__ == "WorkerContext":
            found = (arg.context_data or {}).get("correlation_id")
            request = arg.args[0] if arg.args else None
            found = found or getattr(request, "environ", {}).get("peer.correlation_id")
            return str(found) if found else None
    return None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.args, tuple):
            # Exception texts quote the data that failed (PostgreSQL: "Failing row contains (...)"),
            # i.e. personal data; libraries such as nameko log them as arguments. Keep the type only.
            record.args = tuple(type(a).__name__ if isinstance(a, BaseException) else a for a in record.args)
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": _PASSWORD.sub(r"\1********@", _QUERY.sub(r"\1?[query removed]", record.getMessage())),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if "correlation_id" not in entry and (bound := _CORRELATION_ID.get() or _of_worker(record.args)):
            entry["correlation_id"] = bound
        if record.exc_info:
            # Exception type only: exception texts can quote input values, i.e. personal data.
            entry["exception"] = record.exc_info[0].__name__
        return redact(json.dumps(entry, default=str))  # a CPR number never reaches a log line


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
