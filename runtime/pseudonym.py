"""National pseudonyms: how a person appears in what an instance shares with the national level.

    pseudonym("6f1c...")  ->  "region-1084:p1:mv3k7c2x4q..."   (HMAC-SHA256, 128 bits, base32)

The pseudonym is an HMAC-SHA256 of the person's id under `PSEUDONYM_SECRET`, a secret of this instance
that never leaves it. So the national level can count and follow a pseudonymised person across events
of one instance, but cannot recover the person id, cannot link the same person across instances (each
has its own secret, and the instance id is part of the pseudonym), and nobody without the secret can
compute the pseudonym of a known person id. Inside the instance, `peer-admin pseudonym <person id>`
answers "which pseudonym is this person" (e.g. to honour an erasure request nationally).

Rotating the secret breaks every link the national level holds; it is a deliberate act, not routine.
Without `PSEUDONYM_SECRET` a development secret derived from the instance id is used and a warning is
logged: never acceptable in production (anyone could recompute it).

`Pseudonym` is the marshmallow field national contracts use for a person reference.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re

from marshmallow import fields, validate

from runtime.config import INSTANCE_ID_PATTERN, settings

log = logging.getLogger(__name__)
VERSION = "p1"
PATTERN = re.compile(r"^(region-108[1-5]|kommune-\d{4}|national):p1:[a-z2-7]{26}$")
_warned = False


def secret() -> bytes:
    global _warned
    configured = os.environ.get("PSEUDONYM_SECRET")
    if configured:
        if len(configured) < 32:
            raise ValueError("PSEUDONYM_SECRET: at least 32 characters of randomness")
        return configured.encode()
    if not _warned:
        log.warning("PSEUDONYM_SECRET is not set: using a development secret (never in production)")
        _warned = True
    return hashlib.sha256(f"peer-platform development pseudonyms {settings().instance_id}".encode()).digest()


def pseudonym(person_id, *, instance_id: str | None = None, key: bytes | None = None) -> str:
    """The national pseudonym of a person id of this instance (deterministic for a given secret)."""
    instance_id = instance_id or settings().instance_id
    if not INSTANCE_ID_PATTERN.match(instance_id):
        raise ValueError("instance id: not an instance id")
    person = str(person_id).strip().lower()
    if not person:
        raise ValueError("person id: required")
    message = f"{VERSION}|{instance_id}|{person}".encode()
    digest = hmac.new(key or secret(), message, hashlib.sha256).digest()[:16]
    return f"{instance_id}:{VERSION}:{base64.b32encode(digest).decode().rstrip('=').lower()}"


def is_pseudonym(value) -> bool:
    return isinstance(value, str) and bool(PATTERN.match(value))


class Pseudonym(fields.String):
    """A person as the national level sees them: `<instance>:p1:<HMAC>`, never a name or a person id."""

    def __init__(self, **kwargs):
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("pseudonym", True)
        metadata.setdefault("description", "Pseudonym keyed by the instance's secret (runtime/pseudonym.py)")
        metadata.setdefault("pattern", PATTERN.pattern)
        kwargs.setdefault("validate", validate.Regexp(PATTERN, error="Not a pseudonym."))
        super().__init__(**kwargs)
