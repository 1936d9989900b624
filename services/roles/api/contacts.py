"""Contact data of persons for the notifications service: fetched over RPC when a message is sent,
never copied into events. A person's own e-mail address (`contact-<person id>`, sealed with their key)
is for everyone without a volunteer agreement — paid peers, leaders, coordinators — and comes first;
a volunteer's agreement holds theirs (sealed with the volunteer's key). Both go with an erasure."""
from __future__ import annotations

import uuid

from runtime.errors import Forbidden, NotFound
from runtime.eventstore import NO_STREAM, NewEvent, stream_name
from runtime.http.auth import principal_of
from runtime.http.entrypoint import api
from runtime.messaging.feed import rpc
from services.roles import schemas
from services.roles.api.base import ApiBase

PERSONS = ("peer", "coordinator", "leader", "admin")


class ContactsRpc(ApiBase):
    """The person's own address (HTTP) and the address to send to (RPC, for notifications)."""

    def _contact_row(self, person_id: str) -> dict | None:
        return self.db.execute("SELECT * FROM person_contacts WHERE person_id = %s", (person_id,)).fetchone()

    @staticmethod
    def _own_or_admin(request, person_id) -> None:
        principal = principal_of(request)
        if principal.subject != str(person_id) and not principal.has("admin"):
            raise Forbidden("a person's contact data is recorded and read by the person (or an admin)")

    @api("PUT", "/persons/<uuid:person_id>/contact", allow=PERSONS, body=schemas.RecordContact,
         returns=schemas.Contact, summary="Record one's own e-mail address for notifications (sealed)")
    def record_contact(self, request, person_id, body):
        self._own_or_admin(request, person_id)
        person_id = str(person_id)
        row = self._contact_row(person_id)
        expected = body["expected_version"] if body["expected_version"] is not None else \
            (row["version"] if row else NO_STREAM)
        self._append(stream_name("contact", person_id), [NewEvent("contact.email_recorded", {"email": body["email"]})],
                     expected)
        return self.vault.open(self._contact_row(person_id))

    @api("GET", "/persons/<uuid:person_id>/contact", allow=PERSONS, returns=schemas.Contact,
         summary="One's own recorded e-mail address")
    def get_contact(self, request, person_id):
        self._own_or_admin(request, person_id)
        row = self._contact_row(str(person_id))
        if row is None:
            raise NotFound(f"no contact data recorded for person {person_id}")
        return self.vault.open(row)

    @rpc
    def email_of(self, person_id: str) -> str | None:
        """The person's e-mail address, or None (unknown, or the person was erased)."""
        try:
            person_id = str(uuid.UUID(str(person_id)))
        except ValueError:
            return None
        own = self._contact_row(person_id)
        if own is not None:
            return _address(self.vault.open(own)["email"])
        row = self.db.execute("SELECT details FROM volunteer_agreements WHERE volunteer_id = %s "
                              "ORDER BY (status <> 'ended') DESC, updated_at DESC LIMIT 1", (person_id,)).fetchone()
        return _address(self.vault.open(row)["details"].get("email")) if row else None


def _address(email) -> str | None:
    """A masked value (the key was destroyed) is no address."""
    return email if isinstance(email, str) and "@" in email else None
