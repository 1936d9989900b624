"""Personal data in the courses service, in one place: sealing, revealing, pseudonyms, audit.

Every personal field of this service's events names its subject in a sibling field (`citizen_id`,
`person_id`) or is about the stream's entity (a citizen). `seal_events` is called on every batch
before it is appended and `reveal` on every personal value read back, so adopting the per-person
vault (runtime/vault.py: encryption, crypto-shredding on erasure) changes only this module.
Until the vault lands both are the identity, and the fields are marked personal in contracts/.
"""
from __future__ import annotations

import logging

from runtime.pseudonym import pseudonym as instance_pseudonym

log = logging.getLogger("services.courses.audit")


def seal_events(stream: str, events: list) -> list:
    """Seal each personal field with its subject's key (identity until runtime/vault.py lands)."""
    return events


def reveal(subject_id, value):
    """The plaintext of a sealed personal value (identity until runtime/vault.py lands)."""
    return value


def pseudonym(person_id) -> str:
    """How a person appears nationally: HMAC of their id under this instance's secret."""
    return instance_pseudonym(person_id)


def audit_read(principal, record: str, subject_id, purpose: str) -> None:
    """Record that someone read special-category data about a person (ids only, never values).

    A log line until runtime/audit.py lands; then an audit record in the same transaction."""
    log.info("personal data read", extra={"actor": principal.subject if principal else "anonymous",
                                          "record": record, "subject_id": str(subject_id), "purpose": purpose})
