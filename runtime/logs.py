"""Structured JSON logs with correlation ids. Callers pass ids and types in `extra`, never personal data."""
import json
import logging
import re
import sys

from runtime.cpr import redact

# An HTTP request line's query string ("GET /x?name=... HTTP/1.1" in the access log) can carry personal data.
_QUERY = re.compile(r'("(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) [^ ?"]*)\?[^ "]*')
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


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
            "message": _QUERY.sub(r"\1?[query removed]", record.getMessage()),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
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
