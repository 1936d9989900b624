"""Citizens: persons receiving support. Every read of a record is audited; errors never echo values."""
from __future__ import annotations

from runtime.http.audit import audits_in_body
from runtime.errors import Forbidden, NotFound
from runtime.eventstore import NO_STREAM
from runtime.http.entrypoint import api
from services.courses import schemas
from services.courses.api.base import MATCHERS, ApiBase, caller_peer_id, is_peer_only
from services.courses.domain.citizens import Citizen


class CitizensApi(ApiBase):
    def _citizen_record(self, request, citizen_id, purpose: str) -> dict:
        row = self.db.execute("SELECT * FROM citizens WHERE id = %s", (str(citizen_id),)).fetchone()
        if row is None:
            raise NotFound(f"citizen {citizen_id} does not exist")
        self._audit(request, "citizen_record", [citizen_id], purpose)
        return self.vault.open(row)

    def _peer_knows_citizen(self, peer_id: str, citizen_id) -> bool:
        """A peer may read the citizens they support: matched now, or in a course they facilitate."""
        return self.db.execute(
            "SELECT 1 FROM support_courses WHERE citizen_id = %(c)s AND peer_id = %(p)s AND status = 'open' "
            "UNION ALL SELECT 1 FROM group_participants gp JOIN group_course_facilitators f "
            "ON f.course_id = gp.course_id WHERE gp.citizen_id = %(c)s AND f.peer_id = %(p)s LIMIT 1",
            {"c": str(citizen_id), "p": peer_id}).fetchone() is not None

    @api("POST", "/citizens", allow=MATCHERS, body=schemas.RegisterCitizen, returns=schemas.CitizenRecord,
         status=201, summary="Register a citizen (personal data)")
    @audits_in_body("citizen_record")
    def register_citizen(self, request, body):
        citizen_id = self._create_id()
        self._append(Citizen.stream_of(citizen_id), Citizen.register(body["name"], body["phone"], body["email"]),
                     NO_STREAM)
        return self._citizen_record(request, citizen_id, "the coordinator registers a citizen")

    @api("GET", "/citizens/<uuid:citizen_id>", allow=("peer",) + MATCHERS, returns=schemas.CitizenRecord,
         summary="A citizen's record (audited); a peer only for citizens they support")
    @audits_in_body("citizen_record")
    def get_citizen(self, request, citizen_id):
        if is_peer_only(request) and not self._peer_knows_citizen(caller_peer_id(request), citizen_id):
            raise Forbidden("citizen: a peer reads only the citizens they support")
        return self._citizen_record(request, citizen_id, "supporting the citizen in a course")

    @api("PATCH", "/citizens/<uuid:citizen_id>/contact", allow=MATCHERS, body=schemas.ChangeContact,
         returns=schemas.CitizenRecord, summary="Change a citizen's contact data")
    @audits_in_body("citizen_record")
    def change_contact(self, request, citizen_id, body):
        citizen = self._load(Citizen, citizen_id)
        changes = {k: v for k, v in body.items() if k in ("phone", "email")}
        self._record(citizen, citizen.change_contact(changes), body["expected_version"])
        return self._citizen_record(request, citizen_id, "the coordinator changes contact data")
