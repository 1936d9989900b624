"""A test service with reads of special-category data, declared `@audited` (tests/security/test_audit.py)."""
import uuid

from runtime.http import audit_log
from marshmallow import Schema, fields

from runtime.http.audit import AuditRule, audited, audits_in_body, record
from runtime.http.auth import PUBLIC
from runtime.errors import NotFound
from runtime.http.entrypoint import api
from runtime.service.database import Database

MISSING = uuid.UUID(int=0)


class CitizenName(Schema):
    id = fields.String()
    name = fields.String(allow_none=True, metadata={"special_category": "citizen_record"})


class AuditProbeService(audit_log.AuditEndpoints):
    name = "auditprobe"
    db = Database()

    @api("GET", "/peers/<uuid:peer_id>/crisis-plan", allow=("peer", "admin"))
    @audited("crisis_plan", id_param="peer_id", purpose="the peer reads their own crisis plan")
    def crisis_plan(self, request, peer_id):
        if peer_id == MISSING:
            raise NotFound("no crisis plan")
        return {"peer_id": str(peer_id), "warning_signs": ["sover dårligt"]}

    @api("GET", "/citizens", allow=("coordinator",))
    @audited("citizen_record", ids=lambda rows: [r["id"] for r in rows], purpose="matching volunteers")
    def citizens(self, request):
        return [{"id": "c-1"}, {"id": "c-2"}]

    @api("GET", "/workplaces", allow=("coordinator",))
    def workplaces(self, request):  # not special-category: not audited
        return [{"id": "w-1"}]

    @api("GET", "/ready", allow=PUBLIC)
    def ready(self, request):
        self.db.execute("SELECT 1")
        return {"status": "ready"}

    @api("GET", "/citizen-names/<string:mode>", allow=("coordinator",), returns=CitizenName, many=True)
    @audits_in_body("citizen_record")
    def citizen_names(self, request, mode):
        """Audits in its body, as the courses service does: "records" does; "forgets" shows names without a
        record (the defect the response check catches); "withholds" shows none, so it needs none."""
        if mode == "records":
            record(self.db, request, AuditRule("citizen_record", "matching volunteers"), ["c-1"])
        return [{"id": "c-1", "name": None if mode == "withholds" else "Anna Borger"}]
