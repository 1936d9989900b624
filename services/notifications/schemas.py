"""Request and response schemas of the notifications API (OpenAPI is generated from them)."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.schema import QuerySchema, Schema

from services.notifications.rules import CATEGORIES, CHANNELS

CLOCK = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="a time of day HH:MM")


class InboxMessage(Schema):
    id = fields.UUID()
    recipient_role = fields.String(allow_none=True, metadata={"description": "set for a notice to a whole role"})
    rule = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    subject = fields.String()
    body = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    archived_at = fields.DateTime(allow_none=True)


class InboxQuery(QuerySchema):
    archived = fields.Boolean(load_default=False, metadata={"description": "true: the archived messages"})


class UnreadCount(Schema):
    unread = fields.Integer()


class Rule(Schema):
    key = fields.String()
    category = fields.String()
    events = fields.List(fields.String(), metadata={"description": "event types that send it at once"})
    scheduled_by = fields.List(fields.String(), metadata={"description": "event types that schedule, move or "
                                                                         "drop it as a reminder"})
    offsets_hours = fields.List(fields.Integer(), metadata={"description": "hours before the session"})
    recipients = fields.List(fields.String(), metadata={"description": "who receives it (resolved to persons)"})
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)))
    critical = fields.Boolean(metadata={"description": "cannot be switched off, never held for a digest"})
    sensitive = fields.Boolean(metadata={"description": "about health, support or a citizen: the e-mail only "
                                                        "points to the inbox"})
    calendar = fields.Boolean(metadata={"description": "carries an iCalendar file"})
    awaiting_contract = fields.Boolean(metadata={"description": "some of its events are not in contracts/ yet: "
                                                               "data only until they are"})
    missing_contracts = fields.List(fields.String(), metadata={"description": "those event types"})
    template = fields.String()
    description = fields.String()


class ChannelPreference(Schema):
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    enabled = fields.Boolean(required=True)


class QuietHours(Schema):
    starts = fields.String(required=True, validate=CLOCK, metadata={"description": "Europe/Copenhagen"})
    ends = fields.String(required=True, validate=CLOCK)

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if data.get("starts") == data.get("ends"):
            raise ValidationError("quiet hours must not start and end at the same time", "ends")


class Preferences(Schema):
    channels = fields.List(fields.Nested(ChannelPreference), load_default=list,
                           metadata={"description": "categories and channels switched on or off; critical "
                                                    "messages are sent whatever they say"})
    quiet_hours = fields.Nested(QuietHours, allow_none=True, load_default=None)
    daily_digest = fields.Boolean(load_default=False, metadata={"description": "e-mails once a day at 07:00"})
    newsletter = fields.Boolean(load_default=False, metadata={"description": "national events (seed 004)"})


class FailedDelivery(Schema):
    id = fields.UUID()
    rule = fields.String()
    category = fields.String()
    channel = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()


class Retried(Schema):
    id = fields.UUID()
    status = fields.String()
