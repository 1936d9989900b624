"""The registry of event contracts: payload schemas by (type, schema version), and upcasters.

A contract is a marshmallow schema decorated with `@event(type, version)`. Older versions stay
registered so that stored events can still be validated as they were written, then upcast.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

from marshmallow import Schema, ValidationError, fields, validate

from contracts.schema import UNSTORABLE_TEXT


class ContractError(Exception):
    """An event does not match any contract. `field` and `reason` say what and why."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class UnknownEventType(ContractError):
    def __init__(self, event_type: str):
        super().__init__("type", f"unknown event type {event_type!r}")


class UnknownSchemaVersion(ContractError):
    def __init__(self, event_type: str, version: int):
        super().__init__("schema_version", f"event type {event_type!r} has no schema version {version!r}")


class InvalidPayload(ContractError):
    def __init__(self, event_type: str, errors: dict):
        self.errors = errors
        fields = ", ".join(sorted(f"payload.{name}" for name in errors))
        super().__init__(fields or "payload", f"does not match the contract of {event_type!r}: {errors}")


@dataclass(frozen=True)
class EventContract:
    type: str
    version: int
    schema: type[Schema]
    national: bool
    description: str
    also_published_by: tuple[str, ...] = ()
    downlink: str | None = None  # "broadcast" | "addressed": the national instance publishes it to the regions

    @property
    def crosses(self) -> bool:
        """It leaves the instance that wrote it: up to the national level, or down to the regions."""
        return self.national or self.downlink is not None

    @property
    def source_service(self) -> str:
        """Contracts live in `contracts/<service>.py`, named after the service that publishes them."""
        return self.schema.__module__.rsplit(".", 1)[-1]

    @property
    def publishers(self) -> tuple[str, ...]:
        """Every service whose exchange carries this event: its home, and those that share the contract
        (a runtime step every service runs, e.g. recording an erasure it applied)."""
        return (self.source_service, *self.also_published_by)

    @cached_property
    def validator(self) -> Schema:
        """One schema instance per contract: building one per validation cost more than validating."""
        return self.schema()

    @cached_property
    def json_schema_validator(self):
        """The contract's payload as the JSON Schema contracts/asyncapi.json publishes, compiled by
        jsonschema-rs: what every read (a rebuild reads every event) and every append checks first. It costs
        about a thirtieth of the marshmallow schema (0.5 µs against 18 µs for an adoption); it is at least as strict
        on structure, types, lengths, ranges, enumerations and patterns (tests/contracts/test_stored_validation.py
        compares the two field by field), and a refusal is explained by the marshmallow schema."""
        from contracts.asyncapi import payload_json_schema

        return compiled_json_schema(payload_json_schema(self.schema))


# The formats the compiled schemas check, each by the contracts' own field, so the fast check means what the
# marshmallow schema means. jsonschema-rs's own RFC 3339 and UUID formats accept what those fields refuse
# ('t' and 'z' in lower case, a leap second, year 0000): a payload of them would pass a write unexplained.
# apispec writes a `fields.Url` as format "url", which JSON Schema does not define: checked as the contracts'
# only Url field (http or https, absolute) checks it; the comparison test refuses a Url field of other options.
_WEB_URL = validate.URL(schemes={"http", "https"})
WEB_URL_SCHEMES = frozenset(_WEB_URL.schemes)


def _web_url(value: str) -> bool:
    try:
        _WEB_URL(value)
        return True
    except ValidationError:
        return False


def _parsed_by(field: fields.Field) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        try:
            field.deserialize(value)
            return True
        except ValidationError:
            return False
    return check


# (the field classes these stand for: tests/contracts/test_stored_validation.py maps no other to a format)
STORED_FORMATS = {"url": _web_url, "date-time": _parsed_by(fields.AwareDateTime()), "date": _parsed_by(fields.Date()),
                  "uuid": _parsed_by(fields.UUID())}


def compiled_json_schema(schema: dict):
    import jsonschema_rs

    return jsonschema_rs.validator_for(schema, validate_formats=True, formats=STORED_FORMATS)


_contracts: dict[tuple[str, int], EventContract] = {}
# event type -> its latest version (asked on every append and every event read), for the `_contracts` it
# was made of: made again when a contract is registered or `_contracts` is replaced (tests put it back)
_latest: tuple[int, int, dict[str, int]] = (0, 0, {})
_upcasters: dict[tuple[str, int], Callable[[dict], dict]] = {}


DOWNLINKS = {"broadcast": "national.broadcast", "addressed": "national.addressed"}
ADDRESSEE = "addressee"  # the payload field of an addressed contract: the instance id it is for


def event(event_type: str, version: int, *, national: bool = False, upcast_from_previous=None,
          also_published_by: tuple[str, ...] = (), downlink: str | None = None):
    """Register the decorated schema as the payload of `event_type` at `version`.

    `upcast_from_previous(payload_of_version_minus_1) -> payload_of_version` lets readers lift
    events stored under the previous version. `national=True` marks events that may leave the
    instance: their schemas must hold no personal field (a contract test enforces it).

    `downlink` marks what the national instance's relay publishes to the regions (docs/architecture.md,
    "The downlink"): `"broadcast"` to the national broker's `national.broadcast` (every region, routing key
    = event type), `"addressed"` to `national.addressed` (one instance, routing key `<addressee>.<type>`,
    the payload's required `addressee` field). Checked like a national contract: no personal field.
    """
    from contracts.envelope import EVENT_TYPE

    if not EVENT_TYPE.match(event_type):
        raise ValueError(f"event type {event_type!r} must be '<stream category>.<what happened>' "
                         f"matching the envelope's {EVENT_TYPE.pattern}")

    def register(schema_cls: type[Schema]) -> type[Schema]:
        key = (event_type, version)
        if key in _contracts:
            raise ValueError(f"contract {key} registered twice")
        if downlink is not None and downlink not in DOWNLINKS:
            raise ValueError(f"{event_type}: downlink is one of {', '.join(DOWNLINKS)}")
        if downlink == "addressed" and not getattr(schema_cls._declared_fields.get(ADDRESSEE), "required", False):
            raise ValueError(f"{event_type}: an addressed contract has a required {ADDRESSEE!r} field")
        if national or downlink:
            from contracts.personal import national_violations

            violations = national_violations(schema_cls)
            if violations:
                raise ValueError(f"national contract {event_type} v{version} could carry personal data: "
                                 + "; ".join(violations))
        if version > 1 and upcast_from_previous is None:
            raise ValueError(f"{event_type} v{version} needs an upcaster from v{version - 1}")
        _contracts[key] = EventContract(
            event_type, version, schema_cls, national, (schema_cls.__doc__ or "").strip(), also_published_by,
            downlink)
        if upcast_from_previous is not None:
            _upcasters[(event_type, version - 1)] = upcast_from_previous
        return schema_cls

    return register


def category_of(event_type: str) -> str:
    return event_type.split(".", 1)[0]


def all_contracts() -> list[EventContract]:
    return sorted(_contracts.values(), key=lambda c: (c.type, c.version))


def latest_version(event_type: str) -> int:
    global _latest
    made_of, size, latest = _latest
    if made_of != id(_contracts) or size != len(_contracts):
        latest = {}
        for t, v in _contracts:
            latest[t] = max(v, latest.get(t, v))
        _latest = (id(_contracts), len(_contracts), latest)
    try:
        return latest[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


def contract(event_type: str, version: int) -> EventContract:
    try:
        return _contracts[(event_type, version)]
    except KeyError:
        latest_version(event_type)  # raises UnknownEventType first if the type is unknown
        raise UnknownSchemaVersion(event_type, version) from None


def validate_payload(event_type: str, version: int, payload) -> dict:
    """Check `payload` against the contract; returns it unchanged (JSON-ready) or raises.

    The compiled JSON Schema first (every append asks), on a payload of plain JSON values only: what JSON
    Schema cannot see (text PostgreSQL cannot store, a float where an integer is due, a value JSON has no
    type for) is left to the marshmallow schema, which decides whenever the fast check does not accept, and
    names the field and the reason."""
    if not isinstance(payload, dict):
        raise InvalidPayload(event_type, {"_schema": ["payload must be an object"]})
    checked = contract(event_type, version)
    if _plain_json(payload) and checked.json_schema_validator.is_valid(payload):
        return payload
    errors = checked.validator.validate(payload)
    if errors:
        raise InvalidPayload(event_type, errors)
    return payload


def _plain_json(value) -> bool:
    """A value the JSON Schema judges as the marshmallow schema would: JSON's own types (exactly: a str or
    int subclass may behave otherwise), storable text, and no float that is whole or not finite (JSON Schema
    counts 2.0 as an integer, and NaN is not JSON; the strict integer fields refuse one, the other)."""
    kind = type(value)
    if kind is str:
        return UNSTORABLE_TEXT.search(value) is None
    if kind is dict:
        return all(type(k) is str and UNSTORABLE_TEXT.search(k) is None and _plain_json(v) for k, v in value.items())
    if kind is list:
        return all(_plain_json(v) for v in value)
    if kind is float:
        return math.isfinite(value) and not value.is_integer()
    return kind is int or kind is bool or value is None


def validate_stored_payload(event_type: str, version: int, payload) -> dict:
    """Check a payload read from a store: the compiled JSON Schema first (fast), and only when it refuses,
    the marshmallow schema, which names the field and the reason (and is the reference: what it accepts
    where a JSON Schema format is stricter is accepted)."""
    try:
        if contract(event_type, version).json_schema_validator.is_valid(payload):
            return payload
    except ValueError:  # a value JSON has no type for (a UUID object kept by the memory store): marshmallow decides
        pass
    return validate_payload(event_type, version, payload)


def upcast(event_type: str, version: int, payload: dict) -> tuple[int, dict]:
    """Validate a stored payload at its own version and lift it to the latest version."""
    validate_stored_payload(event_type, version, payload)
    target = latest_version(event_type)
    if version == target:
        return version, payload
    while version < target:
        payload = _upcasters[(event_type, version)](payload)
        version += 1
    return version, validate_stored_payload(event_type, version, payload)


def personal_fields(schema: Schema | type[Schema], prefix: str = "") -> list[str]:
    """Dotted wire names of fields marked `metadata={"personal": True}` (see contracts/personal.py),
    nested schemas and list items included (`items[]`)."""
    from marshmallow import fields as mf

    schema = schema() if isinstance(schema, type) else schema
    found = []
    for name, field in schema.fields.items():
        path = f"{prefix}{field.data_key or name}"
        if field.metadata.get("personal"):
            found.append(path)
        inner, item_path = (field.inner, f"{path}[]") if isinstance(field, mf.List) else (field, path)
        if inner is not field and inner.metadata.get("personal"):
            found.append(item_path)
        if isinstance(inner, mf.Nested):
            found.extend(personal_fields(inner.schema, prefix=f"{item_path}."))
    return found


__all__ = ["ValidationError"]
