"""How people appear beyond this instance: only as pseudonyms keyed by the instance's secret.

Sealing, opening and auditing are the vault's and the audit log's (runtime/privacy/vault.py, runtime/http/audit.py,
used in services/courses/api/base.py); this is the one place the courses service derives a pseudonym."""
from __future__ import annotations

from runtime.privacy.pseudonym import PERSON, pseudonym as instance_pseudonym


def pseudonym(person_id) -> str:
    """How a person appears nationally: an HMAC of their id under this instance's secret."""
    return instance_pseudonym(person_id, purpose=PERSON)


COMPETENCE = "competence"  # the purpose of a person in the national competence picture


def competence_pseudonym(person_id) -> str:
    """How a person appears in the national competence picture: unlinkable to their other national facts."""
    return instance_pseudonym(person_id, purpose=COMPETENCE)
