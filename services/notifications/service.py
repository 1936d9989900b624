"""The notifications service: turns other services' events into messages people read (in Danish).

It follows erasures (`person.erased` from roles): a person's messages are forgotten. Messages that
quote personal data must store it sealed (runtime/vault.py), like every read model.
"""
from __future__ import annotations

import uuid

from marshmallow import fields

from contracts.schema import Schema
from runtime.auth import principal_of
from runtime.consumer import consumes
from runtime import audit, feed, health, vault
from runtime.http import api
from runtime.store import Database
from services.notifications.messages import render

# Who is told when a function description is published: the ones who review it with the peer.
PUBLISHED_RECIPIENTS = ("leader", "coordinator")


class InboxMessage(Schema):
    id = fields.UUID()
    recipient_role = fields.String()
    subject = fields.String()
    body = fields.String()
    created_at = fields.DateTime()


# Where persons' data sits in this service's read models (runtime/vault.forget).
PERSON_ROWS = (("inbox_messages", "recipient_person"),)


class NotificationsService(feed.EventFeed, health.HealthEndpoints, audit.AuditEndpoints):
    name = "notifications"
    db = Database()

    @consumes("roles", categories=[vault.PERSON_CATEGORY])
    def on_person(self, event):
        self.db.apply_once(event, self._forget)

    def _forget(self, event: dict) -> None:
        if subject := vault.erased_subject(event):
            vault.forget(self.db.conn, subject, delete=PERSON_ROWS)

    @consumes("roles", categories=["function_description"])
    def on_function_description(self, event):
        self.db.apply_once(event, self._notify)

    def _notify(self, event: dict) -> None:
        if event["type"] != "function_description.published":
            return
        subject, body = render("function_description_published", **event["payload"])
        for role in PUBLISHED_RECIPIENTS:
            # uuid5 of (event, role): the same event can never produce a second message.
            message_id = uuid.uuid5(uuid.UUID(event["event_id"]), role)
            self.db.execute(
                "INSERT INTO inbox_messages (id, recipient_role, subject, body, source_event, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                (message_id, role, subject, body, event["event_id"], event["occurred_at"]))

    @api("GET", "/inbox", allow=("peer", "coordinator", "leader", "admin"), returns=InboxMessage, many=True,
         summary="Messages for the caller's roles, newest first")
    def inbox(self, request):
        roles = sorted(principal_of(request).roles)
        return self.db.execute(
            "SELECT * FROM inbox_messages WHERE recipient_role = ANY(%s) ORDER BY created_at DESC, id LIMIT 200",
            (roles,)).fetchall()
