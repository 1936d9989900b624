"""The base schema of every contract: HTTP bodies and queries (services' schemas.py) and event payloads.

Everything a service accepts is loaded through a schema derived from `Schema` here, so what holds for
input holds in this one place, not per endpoint:

* Text PostgreSQL cannot store is refused, naming the field: a NUL character (`text` and `jsonb` refuse
  it) or a lone UTF-16 surrogate (not encodable as UTF-8). Both arrive easily through JSON (`"\\u0000"`,
  `"\\ud800"`) and used to reach the database as a 500.
* Integers are integers: `2.5` is refused instead of being stored truncated as `2` (marshmallow's
  default casts), and one beyond PostgreSQL's bigint (`expected_version: 10**36`) is refused instead of
  failing in the database. A `QuerySchema` keeps the cast, since every query value arrives as text.

A contract test checks that every request schema and every event contract derives from `Schema`.
"""
from __future__ import annotations

import re

import marshmallow
from marshmallow import ValidationError, fields, pre_load, validate

UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_REASON = "contains a NUL character or a lone surrogate, which cannot be stored"


def unstorable_text(data) -> dict | list | None:
    """Marshmallow-shaped errors for every string (dict keys included) in `data` that cannot be stored,
    or None. Keys name the place; a key that is itself unstorable is reported as `<key>`."""
    if isinstance(data, str):
        return [UNSTORABLE_REASON] if UNSTORABLE_TEXT.search(data) else None
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    errors = {}
    for key, value in items:
        if isinstance(key, str) and UNSTORABLE_TEXT.search(key):
            errors["<key>"] = [UNSTORABLE_REASON]
            continue
        found = unstorable_text(value)
        if found:
            errors[key] = found
    return errors or None


BIGINT = validate.Range(min=-(2**63), max=2**63 - 1, error="Must fit a 64-bit integer.")


def _strict_integers(field: fields.Field, strict: bool = True) -> None:
    if isinstance(field, fields.Integer):
        field.strict = field.strict or strict
        if BIGINT not in field.validators:
            field.validators = [*field.validators, BIGINT]
    for inner in (getattr(field, "inner", None), getattr(field, "key_field", None),
                  getattr(field, "value_field", None), *getattr(field, "tuple_fields", ())):
        if isinstance(inner, fields.Field):
            _strict_integers(inner, strict)


class Schema(marshmallow.Schema):
    """marshmallow's Schema, refusing unstorable text and fractional integers (see the module doc)."""

    strict_integers = True

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        _strict_integers(field_obj, self.strict_integers)

    @pre_load(pass_collection=True)
    def _refuse_unstorable_text(self, data, **kwargs):
        errors = unstorable_text(data)
        if errors:
            raise ValidationError(errors)
        return data


class QuerySchema(Schema):
    """The query parameters of an endpoint: text on the wire, so integers are parsed from digits,
    and parameters the endpoint does not know are ignored (as OpenAPI clients expect)."""

    strict_integers = False

    class Meta:
        unknown = marshmallow.EXCLUDE
