"""Audit of reads of special-category personal data: who, when, what, why.

Declared on the endpoint, next to who may call it:

    @api("GET", "/peers/<uuid:peer_id>/crisis-plan", allow=("peer",), returns=CrisisPlan)
    @audited("crisis_plan", id_param="peer_id", purpose="the peer reads their own crisis plan")
    def crisis_plan(self, request, peer_id): ...

    @api("GET", "/citizens", allow=("coordinator",), returns=Citizen, many=True)
    @audited("citizen_record", ids=lambda rows: [r["id"] for r in rows], purpose="matching volunteers")
    def citizens(self, request): ...

After the method returns, one `audit_log` row per resource read is inserted through the worker's
`Database` unit (`self.db`), so it commits in the same transaction, before the response is sent: no
record, no disclosure. A read that fails (404, 409, an error) disclosed nothing and records nothing;
a refused caller (401/403) never reaches the method. The row holds the token's subject and roles,
the instance, the resource type and id, the declared purpose and the correlation id; never the data.

Admins read the log with `GET /audit-log` (the `AuditEndpoints` mixin, runtime/http/audit_log.py) or `peer-admin audit-log`.
Special-category data in DOMAIN.md: accommodation needs, crisis plans, everything about citizens. A
response field that shows it is marked `special_category`, and `@api` refuses an endpoint returning
one without `@audited` for that category, so a new read of such data cannot forget its audit.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Iterable

from marshmallow import fields

from runtime.http.auth import principal_of

# The special categories (DOMAIN.md, "Personal data"). A response field showing one is marked
# `metadata={"special_category": "<one of these>"}`; an endpoint returning it must be `@audited` for it
# (`check_special_category_reads`, run by `@api` at import: such an endpoint does not even load).
SPECIAL_CATEGORY = ("accommodation_needs", "crisis_plan", "citizen_record")


@dataclass(frozen=True)
class AuditRule:
    resource_type: str
    purpose: str
    id_param: str | None = None
    ids: Callable | None = None
    action: str = "read"


def record(unit, request, rule: AuditRule, resource_ids: Iterable) -> int:
    principal = principal_of(request)
    if principal is None:
        raise RuntimeError("audited endpoints must not be PUBLIC: an audit row needs a caller")
    rows = [(principal.subject, sorted(principal.roles), principal.instance, rule.action, rule.resource_type,
             None if rid is None else str(rid), rule.purpose, request.environ.get("peer.correlation_id"))
            for rid in resource_ids]
    if rows:
        # What this request recorded: the response check (`check_disclosure`) refuses to show a category without it.
        request.environ.setdefault("peer.audited", set()).add(rule.resource_type)
        with unit.conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO audit_log (actor, actor_roles, instance_id, action, resource_type, resource_id, "
                "purpose, correlation_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)
    return len(rows)


def audited(resource_type: str, *, purpose: str, id_param: str | None = None,
            ids: Callable | None = None, action: str = "read", unit: str = "db"):
    """Record every successful call of the decorated endpoint in `audit_log` (see the module doc)."""
    if not purpose:
        raise ValueError(f"audited {resource_type}: declare the purpose of the read")
    rule = AuditRule(resource_type, purpose, id_param, ids, action)

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(self, request, *args, **kwargs):
            result = fn(self, request, *args, **kwargs)
            if rule.ids is not None:
                resource_ids = list(rule.ids(result))
            else:
                resource_ids = [kwargs.get(rule.id_param) if rule.id_param else None]
            record(getattr(self, unit), request, rule, resource_ids)
            return result

        wrapper.audit_rule = rule
        return wrapper

    return decorate


def audits_in_body(*categories: str):
    """For an endpoint that shows special-category data only to some callers and records the audit rows itself
    (`record`, e.g. `ApiBase._audit`) when it does: the import check accepts it, and `check_disclosure` refuses
    any response of it that shows a category without an audit row recorded for it in the same request."""
    unknown = set(categories) - set(SPECIAL_CATEGORY)
    if unknown:
        raise ValueError(f"special_category {sorted(unknown)[0]!r}: one of {', '.join(SPECIAL_CATEGORY)}")

    def mark(fn):
        fn.audited_categories = frozenset(categories)
        return fn

    return mark


def special_categories_in(schema) -> set[str]:
    """The special categories the response schema `schema` shows (its fields' `special_category`)."""
    schema = schema() if isinstance(schema, type) else schema
    found: set[str] = set()
    for field in schema.fields.values():
        while field is not None:
            if category := field.metadata.get("special_category"):
                if category not in SPECIAL_CATEGORY:
                    raise ValueError(f"special_category {category!r}: one of {', '.join(SPECIAL_CATEGORY)}")
                found.add(category)
            if isinstance(field, fields.Nested):
                found |= special_categories_in(field.schema)
            field = field.inner if isinstance(field, fields.List) else None
    return found


def check_special_category_reads(fn, returns, where: str) -> None:
    """Refuse an endpoint whose response shows special-category data it does not audit the reads of."""
    if returns is None:
        return
    rule = getattr(fn, "audit_rule", None)
    declared = ({rule.resource_type} if rule else set()) | getattr(fn, "audited_categories", set())
    unaudited = special_categories_in(returns) - declared
    if unaudited:
        raise ValueError(f"{where} returns special-category data ({', '.join(sorted(unaudited))}) without "
                         f"auditing its reads: declare @audited({sorted(unaudited)[0]!r}, purpose=...) under @api")


def categories_shown(schema, data) -> set[str]:
    """The special categories a dumped response actually shows: marked fields holding a value (a masked or
    withheld field, None or empty, shows nothing)."""
    schema = schema() if isinstance(schema, type) else schema
    if isinstance(data, list):
        return set().union(*(categories_shown(schema, item) for item in data))
    found: set[str] = set()
    if not isinstance(data, dict):
        return found
    for name, field in schema.fields.items():
        value = data.get(field.data_key or name)
        if value in (None, "", [], {}):
            continue
        if category := field.metadata.get("special_category"):
            found.add(category)
        inner = field.inner if isinstance(field, fields.List) else field
        if category := inner.metadata.get("special_category"):
            found.add(category)
        if isinstance(inner, fields.Nested):
            found |= categories_shown(inner.schema, value)
    return found


def check_disclosure(returns, dumped, request, where: str) -> None:
    """Refuse (the caller gets a 500, nothing is shown) a response showing special-category data whose read this
    request did not record in the audit log: the rule holds at run time, not only by declaration."""
    missing = categories_shown(returns, dumped) - request.environ.get("peer.audited", set())
    if missing:
        raise RuntimeError(f"{where} would show {', '.join(sorted(missing))} without an audit record")


def entries(conn, resource_type: str | None = None, resource_id: str | None = None, actor: str | None = None,
          limit: int = 200) -> list[dict]:
    return conn.execute(
        "SELECT * FROM audit_log WHERE (%(t)s::text IS NULL OR resource_type = %(t)s) "
        "AND (%(r)s::text IS NULL OR resource_id = %(r)s) AND (%(a)s::text IS NULL OR actor = %(a)s) "
        "ORDER BY at DESC, id DESC LIMIT %(n)s",
        {"t": resource_type, "r": resource_id, "a": actor, "n": max(1, min(int(limit), 1000))}).fetchall()
