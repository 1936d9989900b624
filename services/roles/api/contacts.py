"""Contact data of persons, over RPC, for the notifications service: fetched when a message is sent,
never copied into events. The only contact data roles holds today is a volunteer agreement's e-mail
(sealed with the volunteer's key); paid peers, leaders and coordinators have none here yet, so they
are reached through their inbox only."""
from __future__ import annotations

import uuid

from runtime.messaging.feed import rpc


class ContactsRpc:
    """Mixin for the roles service class (it has `db` and `vault`)."""

    @rpc
    def email_of(self, person_id: str) -> str | None:
        """The person's e-mail address, or None (unknown, or the person was erased)."""
        try:
            person_id = str(uuid.UUID(str(person_id)))
        except ValueError:
            return None
        row = self.db.execute("SELECT details FROM volunteer_agreements WHERE volunteer_id = %s "
                              "ORDER BY (status <> 'ended') DESC, updated_at DESC LIMIT 1", (person_id,)).fetchone()
        if row is None:
            return None
        email = self.vault.open(row)["details"].get("email")
        return email if isinstance(email, str) and "@" in email else None
