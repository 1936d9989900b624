"""What every API mixin shares: who the caller is as a person."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from runtime.http.auth import principal_of

READERS = ("peer", "coordinator", "leader", "admin")


def now() -> datetime:
    return datetime.now(timezone.utc)


def caller_person_id(request) -> str | None:
    """The token's subject is the person id roles assigned (a peer's peer id, a leader's person id);
    a subject that is not one (a service account) has no personal inbox."""
    try:
        return str(uuid.UUID(principal_of(request).subject))
    except ValueError:
        return None
