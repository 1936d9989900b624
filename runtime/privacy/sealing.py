"""Sealing and opening personal values, and whole payloads by their contract's `Personal` fields.

Format and guarantees: runtime/privacy/vault.py. Reading never fails on a stored value: malformed or
tampered, it is masked (`MASK`) and logged.
"""
from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import logging
import os
from typing import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from marshmallow import ValidationError, fields

from contracts.personal import FIELD_PATTERN, LOOKS_SEALED, SEALED, STREAM, SUBJECT_PATTERN, Personal
from runtime.errors import InvalidInput
from runtime.eventstore import RecordedEvent
from runtime.privacy.keystore import NONCE_BYTES, TAG_BYTES, SubjectErased

log = logging.getLogger(__name__)

MASK = "[slettet]"
MASKS = {"s": MASK, "l": [], "o": {}, "n": None}


# -- values -----------------------------------------------------------------------------------------
def _kind(value) -> str:
    if isinstance(value, str):
        return "s"
    if isinstance(value, list):
        return "l"
    if isinstance(value, dict):
        return "o"
    return "n"


def _aad(kind: str, subject: str, field: str) -> bytes:
    return f"pii:v2:{kind}:{subject}:{field}".encode()


@dataclasses.dataclass(frozen=True)
class SealedParts:
    """A sealed value taken apart; `raw` (nonce | ciphertext+tag) is None when it is malformed, `field`
    None for a legacy v1 value (not bound to a field: never opened, shown masked)."""
    kind: str
    subject: str
    field: str | None
    raw: bytes | None

    @property
    def mask(self):
        return MASKS[self.kind]


def parse(value) -> SealedParts | None:
    """The parts of `value` if it is shaped like a sealed value, else None. Never raises."""
    match = SEALED.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    text = match.group("ct")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):  # e.g. a length no base64 can have
        raw = None
    if raw is not None and len(raw) < NONCE_BYTES + TAG_BYTES:
        raw = None
    if match.group("kind"):
        return SealedParts(match.group("kind"), match.group("subject"), match.group("field"), raw)
    return SealedParts(match.group("legacy_kind"), match.group("legacy_subject"), None, raw)


def seal_value(data_key: bytes, subject: str, value, field: str) -> str:
    """`value` sealed for `subject` as the personal field `field`: it authenticates only as that pair."""
    if not FIELD_PATTERN.match(field or ""):
        raise ValueError("field: lower-case letters, digits and '_'")
    kind = _kind(value)
    nonce = os.urandom(NONCE_BYTES)
    plaintext = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    sealed = nonce + AESGCM(data_key).encrypt(nonce, plaintext, _aad(kind, subject, field))
    return f"pii:v2:{kind}:{subject}:{field}:{base64.urlsafe_b64encode(sealed).decode().rstrip('=')}"


def decrypt(data_key: bytes, parts: SealedParts):
    """The plaintext, or raises `InvalidTag`/`ValueError` (tampered, moved or malformed)."""
    if parts.raw is None or parts.field is None:
        raise ValueError("not an openable sealed value")
    plaintext = AESGCM(data_key).decrypt(parts.raw[:NONCE_BYTES], parts.raw[NONCE_BYTES:],
                                         _aad(parts.kind, parts.subject, parts.field))
    return json.loads(plaintext)


def open_value(data_key: bytes | None, sealed: str, field: str | None = None, subject: str | None = None):
    """The plaintext of a sealed value found where the personal field `field` (of `subject`, when known)
    belongs; the mask of its kind when the key is gone, it sits elsewhere, or it does not authenticate.
    Reading never fails on a stored value: a broken one is logged (by kind, never content) and masked."""
    parts = parse(sealed)
    if parts is None:
        return sealed
    if data_key is None:
        return parts.mask
    if parts.field is None or field is None or not _belongs(parts.field, field) or (
            subject is not None and parts.subject != subject):
        log.warning("sealed value outside its own personal field; shown masked",
                    extra={"sealed_field": parts.field, "found_in": field})
        return parts.mask
    try:
        return decrypt(data_key, parts)
    except (InvalidTag, ValueError):
        log.error("sealed value failed authentication or is malformed; shown masked",
                  extra={"sealed_field": parts.field})
        return parts.mask


def _belongs(sealed_field: str, found_in: str) -> bool:
    """A value sealed as `needs` opens under `needs` or a read-model column named `<what>_needs`
    (`accommodation_needs`, `citizen_name`), nowhere else."""
    return found_in == sealed_field or found_in.endswith(f"_{sealed_field}")


def subject_of(value) -> str | None:
    parts = parse(value)
    return parts.subject if parts else None


def walk(value, on_string: Callable, key: str | None = None):
    """`value` rebuilt with `on_string(text, key)` for every string; `key` is the nearest dict key above it."""
    if isinstance(value, str):
        return on_string(value, key)
    if isinstance(value, dict):
        return {k: walk(v, on_string, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [walk(v, on_string, key) for v in value]
    if isinstance(value, RecordedEvent):
        return dataclasses.replace(value, payload=walk(value.payload, on_string))
    return value


def subjects_in(value) -> set[str]:
    found: set[str] = set()

    def collect(text, _key):
        subject = subject_of(text)
        if subject:
            found.add(subject)
        return text

    walk(value, collect)
    return found


def mask_sealed(text: str, _key=None):
    parts = parse(text)
    return parts.mask if parts else text


def mask_subject(value, subject: str):
    """`value` with every sealed value of `subject` replaced by its mask (other subjects untouched)."""
    def mask(text, _key):
        parts = parse(text)
        return parts.mask if parts and parts.subject == subject else text

    return walk(value, mask)


# -- payloads, by contract ----------------------------------------------------------------------------
SealFn = Callable[[str, object, str], str]  # (subject, plaintext, field) -> sealed
AuthenticFn = Callable[[SealedParts], bool]  # does this sealed value authenticate under its subject's key?


def seal_payload(schema, payload: dict, stream: str, seal: SealFn, authentic: AuthenticFn | None = None) -> dict:
    """A copy of `payload` with each `Personal` field of the contract `schema` validated as plaintext and
    sealed for its subject; `InvalidInput` (field path and reason, never the value) if one is invalid.

    A value that already looks sealed is kept only in its own personal field, for the same subject,
    well-formed and (with `authentic`) authenticating; anywhere else it is refused, so nobody can
    smuggle another person's ciphertext into a field that would show it to them."""
    errors: dict = {}
    context = _Sealing(stream, seal, authentic, errors)
    sealed = _seal_fields(schema() if isinstance(schema, type) else schema, payload, context, "")
    if errors:  # paths are the contract's field names (and list indices), never caller-made keys
        listed = [{"field": path, "reason": str(reason)} for path, reasons in errors.items() for reason in reasons]
        raise InvalidInput(f"invalid fields: {', '.join(errors)}", listed)
    return sealed


@dataclasses.dataclass
class _Sealing:
    stream: str
    seal: SealFn
    authentic: AuthenticFn | None
    errors: dict


def _seal_fields(schema, data, context: _Sealing, prefix: str):
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, field in schema.fields.items():
        key = field.data_key or name
        if data.get(key) is None:
            continue
        out[key] = _seal_field(field, data[key], data, context, f"{prefix}{key}", key)
    return out


def _seal_field(field, value, siblings, context: _Sealing, path: str, key: str):
    if isinstance(field, Personal):
        return _seal_personal(field, value, siblings, context, path, key)
    if isinstance(field, fields.Nested):
        if field.many and isinstance(value, list):
            return [_seal_fields(field.schema, v, context, f"{path}[{i}].") for i, v in enumerate(value)]
        return _seal_fields(field.schema, value, context, f"{path}.")
    if isinstance(field, fields.List) and isinstance(value, list):
        return [_seal_field(field.inner, v, siblings, context, f"{path}[{i}]", key) for i, v in enumerate(value)]
    if _looks_sealed_inside(value):
        context.errors[path] = ["a sealed value belongs only in its own personal field"]
    return value


def _looks_sealed_inside(value) -> bool:
    found = []
    walk(value, lambda text, _key: found.append(text) if LOOKS_SEALED.match(text) else text)
    return bool(found)


def _subject_for(field: Personal, siblings: dict, stream: str) -> str:
    if field.subject == STREAM:
        subject = stream.split("-", 1)[1] if "-" in stream else ""
    else:
        subject = siblings.get(field.subject) if isinstance(siblings, dict) else None
    return str(subject) if subject is not None else ""


def _seal_personal(field: Personal, value, siblings, context: _Sealing, path: str, key: str):
    errors = context.errors
    subject = _subject_for(field, siblings, context.stream)
    label = field.field_name or key
    if not SUBJECT_PATTERN.match(subject):
        errors[path] = [f"no valid subject ({field.subject}) to seal this personal field for"]
        return value
    if isinstance(value, str) and LOOKS_SEALED.match(value):
        reason = _refusal_of_sealed(parse(value), subject, label, context.authentic)
        if reason:
            errors[path] = [reason]
        return value  # already sealed, for this person and this field (copied from a stored event)
    try:
        normalised = field.validate_plaintext(value)
    except ValidationError as exc:
        errors[path] = exc.messages if isinstance(exc.messages, list) else [str(exc.messages)]
        return value
    if isinstance(normalised, (str, int, float, bool, list, dict)):
        value = normalised  # e.g. a CPR number as its 10 digits; dates and the like stay as given
    try:
        return context.seal(subject, value, label)
    except SubjectErased:
        raise SubjectErased(path) from None


def _refusal_of_sealed(parts: SealedParts | None, subject: str, label: str, authentic) -> str | None:
    """Why a sealed value given for the personal field `label` of `subject` is refused (None: kept)."""
    if parts is None or parts.raw is None:
        return "not a valid sealed value"
    if parts.field is None:
        return "a sealed value of an outdated format; send the plaintext"
    if parts.subject != subject or parts.field != label:
        return "a sealed value is accepted only for the same field of the same person"
    if authentic is not None and not authentic(parts):
        return "the sealed value does not authenticate"
    return None


def open_payload(schema, payload, stream: str, open_one: Callable[[str, str, str], object]):
    """A copy of `payload` with each `Personal` field of the contract `schema` opened by
    `open_one(sealed, field, subject)`; sealed-looking strings anywhere else are left as they are."""
    return _open_fields(schema() if isinstance(schema, type) else schema, payload, stream, open_one)


def _open_fields(schema, data, stream, open_one):
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, field in schema.fields.items():
        key = field.data_key or name
        if data.get(key) is not None:
            out[key] = _open_field(field, data[key], data, stream, open_one, key)
    return out


def _open_field(field, value, siblings, stream, open_one, key):
    if isinstance(field, Personal):
        if not isinstance(value, str):
            return value
        return open_one(value, field.field_name or key, _subject_for(field, siblings, stream))
    if isinstance(field, fields.Nested):
        if field.many and isinstance(value, list):
            return [_open_fields(field.schema, v, stream, open_one) for v in value]
        return _open_fields(field.schema, value, stream, open_one)
    if isinstance(field, fields.List) and isinstance(value, list):
        return [_open_field(field.inner, v, siblings, stream, open_one, key) for v in value]
    return value


# -- the service side -----------------------------------------------------------------------------------
