"""`GET /audit-log`: admins read who read special-category data (the log runtime/http/audit.py writes)."""
from __future__ import annotations

from marshmallow import fields, validate

from contracts.schema import QuerySchema, Schema
from runtime.http.audit import entries
from runtime.http.entrypoint import api


class AuditEntry(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    actor_roles = fields.List(fields.String())
    instance_id = fields.String()
    action = fields.String()
    resource_type = fields.String()
    resource_id = fields.String(allow_none=True)
    purpose = fields.String()
    correlation_id = fields.UUID(allow_none=True)


class AuditQuery(QuerySchema):
    resource_type = fields.String(load_default=None, validate=validate.Length(max=100))
    resource_id = fields.String(load_default=None, validate=validate.Length(max=200))
    actor = fields.String(load_default=None, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000),
                           metadata={"description": "At most this many entries, newest first"})


class AuditEndpoints:
    """Mixin for a service class that has `db = Database()`: admins read its audit log."""

    @api("GET", "/audit-log", allow=("admin",), query=AuditQuery, returns=AuditEntry, many=True,
         summary="Reads of special-category data (filters: resource_type, resource_id, actor, limit)")
    def audit_log(self, request, query):
        return entries(self.db.conn, query["resource_type"], query["resource_id"], query["actor"], query["limit"])
