"""What one consumed event does here, in the transaction that records it as applied: update what
this service knows, schedule/move/drop reminders, and plan the messages of its immediate rules."""
from __future__ import annotations

import uuid
from datetime import datetime

from services.notifications import ledger, projections, recipients, schedule
from services.notifications.messages import render
from services.notifications.rules import immediate

# A description nobody works under yet: the instance's leaders and coordinators learn it was published.
PUBLISHED_RECIPIENTS = ("leader", "coordinator")


def follow(conn, event: dict, now: datetime, instance_id: str) -> int:
    """Returns the number of messages planned."""
    projections.apply(conn, event)
    schedule.follow(conn, event)
    projections.forget_again(conn, event)
    subject_id = event["stream"].split("-", 1)[1]
    planned = 0
    found: dict = {}  # what each resolver found for this event (recipients.resolved)
    for rule in immediate(event["type"]):
        persons = recipients.resolve(conn, rule, subject_id, event["payload"], found)
        if not persons:  # the template values cost a query per table they quote: only for a message sent
            continue
        values = {**schedule.template_values(conn, subject_id, event["payload"]), "event_type": event["type"]}
        planned += ledger.plan(conn, rule, event["event_id"], subject_id, event["payload"], values, now,
                               schedule.calendar_of(conn, rule, values, instance_id), source_event=event["event_id"],
                               persons=persons)
    if event["type"] == "function_description.published" and not _anyone_under(conn, subject_id, found):
        planned += _notify_roles(conn, event)
    return planned


def _anyone_under(conn, description_id: str, found: dict) -> bool:
    """The revision rule asked the same question of the same transaction: its answer, without a query."""
    return recipients.resolved(conn, "peers_under_description", description_id, {}, found) != []


def _notify_roles(conn, event: dict) -> int:
    subject, body = render("function_description_published", **event["payload"])
    # One statement for every role (a round trip each was on the path of every publication); the id is
    # uuid5 of (event, role): the same event can never produce a second message.
    row = "(%s, %s, %s, %s, %s, %s, 'function_description.published', 'function_description')"
    params = [value for role in PUBLISHED_RECIPIENTS for value in (
        uuid.uuid5(uuid.UUID(event["event_id"]), role), role, subject, body, event["event_id"], event["occurred_at"])]
    return conn.execute(
        "INSERT INTO inbox_messages (id, recipient_role, subject, body, source_event, created_at, rule, category) "
        f"VALUES {', '.join([row] * len(PUBLISHED_RECIPIENTS))} ON CONFLICT (id) DO NOTHING", params).rowcount
