"""Personal data in contracts: which fields are personal, whose they are, and what may go national.

A contract describes what is *stored and sent*. A personal field is therefore declared as

    name = Personal(fields.String(validate=validate.Length(min=1, max=200)), subject="person_id")

meaning: the plaintext is a string of 1..200 characters about the person whose id is in the sibling
field `person_id` (or, with `subject=STREAM`, the entity of the event's stream); in the event it is
stored *sealed* by that person's key (runtime/privacy/vault.py), as `pii:v2:<kind>:<subject>:<field>:<ciphertext>`,
bound to that person and that field: it opens nowhere else.
The contract refuses a plaintext value, so a service that forgot to seal cannot append or publish.
Erasing the person destroys the key: every sealed copy, in events, read models and broker queues,
becomes unreadable at once (crypto-shredding) and opens as a masked value.

National contracts (`@event(..., national=True)`) may hold no personal field at all, and every field
must be one of: a `Pseudonym`, an enumeration (a string with `OneOf`), a number, a boolean, a date or
time, or a field explicitly marked `metadata={"national_safe": "<why this is not about a person>"}`.
Free text and raw ids are refused: they are how names and person ids leak. `national_violations`
says what is wrong; `@event` refuses such a contract at import and a contract test checks them all.
"""
from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate

from contracts.schema import Schema

STREAM = "$stream"  # the subject is the entity id of the event's stream (`<category>-<id>`)
SUBJECT = r"[A-Za-z0-9_-]{1,64}"
FIELD = r"[a-z][a-z0-9_]{0,63}"
# v2 (written today): the field the value belongs to is part of the header and of the associated data.
# v1 (before the field was bound) is still recognised so that stored values read as masked, never as errors.
SEALED = re.compile(rf"^pii:(?:v2:(?P<kind>[slon]):(?P<subject>{SUBJECT}):(?P<field>{FIELD})"
                    rf"|v1:(?P<legacy_kind>[slon]):(?P<legacy_subject>{SUBJECT})):(?P<ct>[A-Za-z0-9_-]{{38,}})$")
SUBJECT_PATTERN = re.compile(rf"^{SUBJECT}$")
FIELD_PATTERN = re.compile(rf"^{FIELD}$")
# What any sealed value starts with: refused in every field that is not that value's own personal field.
LOOKS_SEALED = re.compile(r"^\s*pii:v\d+:", re.IGNORECASE)


class Personal(fields.String):
    """Personal data about `subject`, stored sealed by the vault; `inner` validates the plaintext."""

    default_error_messages = {
        "not_sealed": "Personal data must be sealed by the vault (runtime/privacy/vault.py), never stored in plain text."}

    def __init__(self, inner: fields.Field | None = None, *, subject: str, field_name: str | None = None, **kwargs):
        """`field_name` names what the value is (bound into its ciphertext); default: the key it is stored under."""
        if field_name is not None and not FIELD_PATTERN.match(field_name):
            raise ValueError(f"Personal field_name {field_name!r}: lower-case letters, digits and '_'")
        self.inner = inner or fields.String()
        self.subject = subject
        self.field_name = field_name
        metadata = kwargs.setdefault("metadata", {})
        metadata.update({"personal": True, "x-subject": subject, "pattern": SEALED.pattern})
        metadata.setdefault("description", "Personal data, sealed with the key of its subject (runtime/privacy/vault.py)")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not SEALED.match(value):
            raise self.make_error("not_sealed")
        return value

    def validate_plaintext(self, value):
        """Validate (and normalise) the value before it is sealed; raises `ValidationError`."""
        return self.inner.deserialize(value)


class PersonRef(Schema):
    """An identifiable person named in an event: their id (the vault's subject) and their name, sealed."""

    person_id = fields.UUID(required=True, metadata={"description": "The person's id; erasure is by this id"})
    name = Personal(fields.String(validate=validate.Length(min=1, max=200)), subject="person_id", required=True)


# -- the national level ---------------------------------------------------------------------------
# A national string field must refuse every one of these: what a name, contact data, a CPR number, a
# person id or a sentence about someone looks like. Enumerations, pseudonyms and fixed-shape codes do.
CANARIES = (
    "Anne Hansen", "Mette", "anne.hansen@example.dk", "+45 12 34 56 78", "12345678", "010190-1234",
    "0101901234", "6f1c2a9e-3c41-4d1b-9a7e-2f5d8c0b1a23", "Hun har det svært i perioder og bor alene.",
)
_NUMBERS_AND_TIMES = (fields.Integer, fields.Float, fields.Decimal, fields.Boolean, fields.Date, fields.DateTime,
                      fields.AwareDateTime, fields.NaiveDateTime, fields.Time, fields.TimeDelta)


def national_violations(schema, prefix: str = "") -> list[str]:
    """Why each field of `schema` could carry personal data to the national level (empty: none can).

    Refused: personal fields; strings that accept a name, contact data, a CPR number, a raw person id
    or free text (checked by feeding them `CANARIES`); free-form dicts. Allowed: numbers, booleans,
    dates and times, pseudonyms, enumerations and fixed-shape codes, and fields explicitly marked
    `metadata={"national_safe": "<why>"}` (a reviewer reads the why)."""
    schema = schema() if isinstance(schema, type) else schema
    found = []
    for name, field in schema.fields.items():
        found.extend(_field_violations(field, f"{prefix}{field.data_key or name}"))
    return found


def _field_violations(field, path: str) -> list[str]:
    if field.metadata.get("personal") or isinstance(field, Personal):
        return [f"{path}: personal field"]
    if field.metadata.get("national_safe"):
        return []
    if isinstance(field, fields.Nested):
        return national_violations(field.schema, prefix=f"{path}.")
    if isinstance(field, fields.List):
        return _field_violations(field.inner, f"{path}[]")
    if isinstance(field, fields.Dict):
        return [f"{path}: a free-form object (use a schema, or mark national_safe and say why)"]
    if isinstance(field, _NUMBERS_AND_TIMES):
        return []
    accepted = [c for c in CANARIES if _accepts(field, c)]
    if accepted:
        return [f"{path}: accepts {accepted[0]!r}-like values (use an enumeration or a Pseudonym, "
                f"or mark national_safe and say why)"]
    return []


def _accepts(field, value) -> bool:
    try:
        field.deserialize(value)
    except ValidationError:
        return False
    return True


__all__ = ["STREAM", "SEALED", "LOOKS_SEALED", "Personal", "PersonRef", "ValidationError", "national_violations"]
