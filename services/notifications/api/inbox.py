"""The personal inbox: a person sees only their own messages (and notices to a role they hold)."""
from __future__ import annotations

from runtime.http.auth import principal_of
from runtime.errors import NotFound
from runtime.http.entrypoint import api
from services.notifications import schemas
from services.notifications.api.base import READERS, caller_person_id, now

_MINE = "(recipient_person::text = %(person)s OR (recipient_person IS NULL AND recipient_role = ANY(%(roles)s)))"


class InboxApi:
    @api("GET", "/inbox", allow=READERS, query=schemas.InboxQuery, returns=schemas.InboxMessage, many=True,
         summary="The caller's messages, newest first (archived ones with ?archived=true)")
    def inbox(self, request, query):
        archived = query["archived"]
        return self.db.execute(
            f"SELECT * FROM inbox_messages WHERE {_MINE} AND (archived_at IS NOT NULL) = %(archived)s "
            "ORDER BY created_at DESC, id LIMIT 200", self._whose(request) | {"archived": archived}).fetchall()

    @api("GET", "/inbox/unread-count", allow=READERS, returns=schemas.UnreadCount,
         summary="How many of the caller's own messages are unread")
    def unread_count(self, request):
        return self.db.execute(
            "SELECT count(*) AS unread FROM inbox_messages WHERE recipient_person::text = %(person)s "
            "AND read_at IS NULL AND archived_at IS NULL", self._whose(request)).fetchone()

    @api("POST", "/inbox/<uuid:message_id>/read", allow=READERS, returns=schemas.InboxMessage,
         summary="Mark one of the caller's own messages read")
    def mark_read(self, request, message_id):
        return self._mark(request, message_id, "read_at")

    @api("POST", "/inbox/<uuid:message_id>/archive", allow=READERS, returns=schemas.InboxMessage,
         summary="Archive one of the caller's own messages")
    def archive(self, request, message_id):
        return self._mark(request, message_id, "archived_at")

    def _mark(self, request, message_id, column):
        # Another person's message is answered like a missing one: its existence is not the caller's business.
        row = self.db.execute(
            f"UPDATE inbox_messages SET {column} = coalesce({column}, %(now)s) WHERE id = %(id)s "
            "AND recipient_person::text = %(person)s RETURNING *",
            self._whose(request) | {"id": message_id, "now": now()}).fetchone()
        if row is None:
            raise NotFound(f"message {message_id} is not in your inbox")
        return row

    @staticmethod
    def _whose(request) -> dict:
        return {"person": caller_person_id(request) or "", "roles": sorted(principal_of(request).roles)}
