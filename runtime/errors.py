"""Errors a service raises for the HTTP layer to turn into problem documents (RFC 9457).

Messages name the field and the reason, never the rejected value: values may be personal data.
"""
from __future__ import annotations

import re


class ProblemError(Exception):
    status = 400
    title = "Bad request"
    problem_type = "about:blank"

    def __init__(self, detail: str, errors: list[dict] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.headers: dict[str, str] = {}  # e.g. WWW-Authenticate on a 401


class InvalidInput(ProblemError):
    status = 422
    title = "Invalid input"
    problem_type = "/problems/invalid-input"

    @classmethod
    def from_marshmallow(cls, messages: dict, prefix: str = "") -> "InvalidInput":
        errors = list(_flatten(messages, prefix))
        fields = ", ".join(e["field"] for e in errors)
        return cls(f"invalid fields: {fields}", errors)

    @classmethod
    def field(cls, field: str, reason: str) -> "InvalidInput":
        return cls(f"{field}: {reason}", [{"field": field, "reason": reason}])


class NotFound(ProblemError):
    status = 404
    title = "Not found"
    problem_type = "/problems/not-found"


class Conflict(ProblemError):
    """The request conflicts with the current state (a stale expected version, a rule of the domain)."""

    status = 409
    title = "Conflict"
    problem_type = "/problems/conflict"


class PersonErased(ProblemError):
    """The request acts on a person who was erased: their streams take no new commands.

    410, not 409: retrying or refreshing cannot help; the person is gone for good."""

    status = 410
    title = "Gone"
    problem_type = "/problems/person-erased"

    def __init__(self, field: str, detail: str = "the person was erased; nothing more is recorded about them"):
        super().__init__(detail, [{"field": field, "reason": "the person was erased"}])


class Unavailable(ProblemError):
    """A dependency (the database) cannot be reached right now: the request may be retried (HTTP 503)."""

    status = 503
    title = "Service unavailable"
    problem_type = "/problems/unavailable"

    def __init__(self, detail: str = "the database is unavailable; try again shortly", retry_after: int = 5):
        super().__init__(detail)
        self.headers["Retry-After"] = str(retry_after)


class ShuttingDown(Unavailable):
    """The service is stopping as planned (a deploy, a scale-down): retry shortly, elsewhere. Not an error ops
    must act on, so it is logged at INFO, unlike an outage's 503."""

    def __init__(self):
        super().__init__("the service is shutting down; try again shortly", retry_after=1)


class Unauthorized(ProblemError):
    status = 401
    title = "Unauthorized"
    problem_type = "/problems/unauthorized"


class Forbidden(ProblemError):
    status = 403
    title = "Forbidden"
    problem_type = "/problems/forbidden"


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def _segment(key) -> str:
    """A field name as it may appear in an error: names of the schema's kind; a key the caller made up
    (an unknown field, a dict key) could be a value, personal data, and is not echoed."""
    key = str(key)
    return key if _NAME.match(key) or key.isdigit() else "<key>"


def _flatten(messages, prefix: str):
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = prefix if key == "_schema" else (f"{prefix}.{_segment(key)}" if prefix else _segment(key))
            yield from _flatten(value, name or "body")
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for reason in messages:
            yield {"field": prefix or "body", "reason": reason}
    elif isinstance(messages, list):
        for index, item in enumerate(messages):
            yield from _flatten(item, f"{prefix}[{index}]")
    else:
        yield {"field": prefix or "body", "reason": str(messages)}
