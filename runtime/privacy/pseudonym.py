"""National pseudonyms: how a person, or any entity id, appears in what an instance shares nationally.

    pseudonym("6f1c...", purpose="person")  ->  "region-1084:p2:mv3k7c2x4q..."   (HMAC-SHA256, 128 bits, base32)

The pseudonym is an HMAC-SHA256 of the purpose and the id under `PSEUDONYM_SECRET`, a secret of this
instance that never leaves it. The purpose says what the id is pseudonymised as: `person` for a person
named in a national event (so the national level counts a person once per instance), a stream category
for a stream id (`peer_education`, `outcome`). The same id under two purposes gives two unrelated
pseudonyms, so the national level cannot join what this instance shares under different purposes
(e.g. a course's completions with its outcome distribution). It cannot recover an id, cannot link the
same id across instances (each has its own secret, and the instance id is part of the pseudonym), and
nobody without the secret can compute the pseudonym of a known id. Inside the instance, `peer-admin
pseudonym <person id>` answers "which pseudonym is this person" (e.g. to honour an erasure nationally).

Rotating the secret breaks every link the national level holds; it is a deliberate act, not routine.
There is no fallback: `PSEUDONYM_SECRET` comes from the instance's settings (runtime/instance_secrets.py),
generated per instance only in development mode.

`Pseudonym` is the marshmallow field national contracts use for a person reference.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re

from marshmallow import fields, validate

from runtime.config import INSTANCE_ID_PATTERN, settings

VERSION = "p2"  # p1 (until issue 8) had no purpose; still a valid shape for what the national level holds
PATTERN = re.compile(r"^(region-108[1-5]|kommune-\d{4}|national):p[12]:[a-z2-7]{26}$")
PURPOSE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PERSON = "person"  # the purpose of a person named in a national event


def secret() -> bytes:
    """The configured secret, resolved with the instance's other settings (runtime/instance_secrets.py validates
    it): no fallback, so pseudonyms are never keyed by something an attacker could recompute."""
    return settings().pseudonym_secret.encode()


def pseudonym(entity_id, *, purpose: str, instance_id: str | None = None, key: bytes | None = None) -> str:
    """The national pseudonym of an id of this instance for `purpose` (deterministic for a given secret)."""
    instance_id = instance_id or settings().instance_id
    if not INSTANCE_ID_PATTERN.match(instance_id):
        raise ValueError("instance id: not an instance id")
    if not PURPOSE.match(purpose or ""):
        raise ValueError("purpose: lower-case letters, digits and '_' (a stream category, or 'person')")
    entity = str(entity_id).strip().lower()
    if not entity:
        raise ValueError("id: required")
    message = f"{VERSION}|{instance_id}|{purpose}|{entity}".encode()
    digest = hmac.new(key or secret(), message, hashlib.sha256).digest()[:16]
    return f"{instance_id}:{VERSION}:{base64.b32encode(digest).decode().rstrip('=').lower()}"


class Pseudonym(fields.String):
    """A person as the national level sees them: `<instance>:p2:<HMAC>`, never a name or a person id."""

    def __init__(self, **kwargs):
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("pseudonym", True)
        metadata.setdefault("description", "Pseudonym keyed by the instance's secret (runtime/privacy/pseudonym.py)")
        metadata.setdefault("pattern", PATTERN.pattern)
        kwargs.setdefault("validate", validate.Regexp(PATTERN, error="Not a pseudonym."))
        super().__init__(**kwargs)
