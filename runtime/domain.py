"""What a service's domain raises: plain exceptions that know nothing of HTTP.

Each names what is wrong and, in `errors`, the fields with their reasons ({"field", "reason"}), never the
rejected value (values may be personal data). The HTTP entrypoint maps them to problem documents in one
place (runtime/http/entrypoint.py `as_problem`): NotFound 404, RuleBroken 409, InvalidValue 422.
"""
from __future__ import annotations


class DomainError(Exception):
    def __init__(self, detail: str, errors: list[dict] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []

    @classmethod
    def field(cls, field: str, reason: str, detail: str | None = None) -> "DomainError":
        return cls(detail or f"{field}: {reason}", [{"field": field, "reason": reason}])


class NotFound(DomainError):
    """The aggregate (or a part of it: a session, a participant) does not exist."""


class RuleBroken(DomainError):
    """The current state forbids the command (already published, not active, a place taken): deciding
    again on the same state gives the same answer."""


class InvalidValue(DomainError):
    """The values given break a rule of the domain (hours under the minimum, an end before its start)."""
