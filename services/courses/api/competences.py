"""The competence catalogue at this instance: the modules received from the national instance, which modules a
group course counts toward, a person's competence profile (what they completed here or elsewhere), and each
completion as an Open Badges 3.0 credential to export, or to import from another instance on the person's consent.

Completions are recorded when a mapped course closes (api/group_courses.py, domain/competence.py)."""
from __future__ import annotations

from datetime import datetime, timezone

from runtime.http.audit import audited
from runtime.http.auth import PUBLIC
from runtime.config import settings
from runtime.errors import Forbidden, InvalidInput, NotFound, PersonErased
from runtime.eventstore import NO_STREAM, NewEvent, current_version, stream_name
from runtime.http.entrypoint import api
from services.courses import credentials, schemas
from services.courses.api.base import READERS, ApiBase, caller_peer_id, is_peer_only
from services.courses.domain import competence

MAPPERS = ("coordinator",)
HOLDERS = ("peer", "coordinator")           # export or import a person's credential: the person, or a coordinator
PROFILE_READERS = ("peer", "coordinator", "leader")
PERSON = "/persons/<uuid:person_id>/competences"
MAPPING = "/group-courses/<uuid:course_id>/competence-modules"


class CompetencesApi(ApiBase):
    # -- helpers ------------------------------------------------------------------------------------------
    def _catalogue(self) -> list[dict]:
        modules = self.db.execute("SELECT * FROM catalogue_modules ORDER BY module_id").fetchall()
        versions = self.db.execute("SELECT * FROM catalogue_module_versions ORDER BY module_id, module_version").fetchall()
        answer = []
        for module in modules:
            history = [v for v in versions if v["module_id"] == module["module_id"]]
            current = next(v for v in history if v["module_version"] == module["current_version"])
            answer.append({**current, "retired": module["retired_at"] is not None, "versions": history})
        return answer

    def _mapping(self, course_id) -> dict:
        rows = self.db.execute("SELECT module_id FROM course_competence_modules WHERE course_id = %s "
                               "ORDER BY module_id", (str(course_id),)).fetchall()
        return {"course_id": course_id, "module_ids": [r["module_id"] for r in rows],
                "version": current_version(self.db.conn, stream_name("course_competence", course_id))}

    @staticmethod
    def _own(request, person_id) -> None:
        """A caller acting as a peer sees and carries only their own competences."""
        if is_peer_only(request) and caller_peer_id(request) != str(person_id):
            raise Forbidden("person_id: a peer reads and carries only their own competences")

    def _completions(self, person_id) -> list[dict]:
        return self.db.execute("SELECT * FROM competence_completions WHERE person_id = %s "
                               "ORDER BY completed_on, completion_id", (str(person_id),)).fetchall()

    # -- the catalogue and course mappings ------------------------------------------------------------------
    @api("GET", "/competence-modules", allow=READERS, returns=schemas.CatalogueModule, many=True,
         summary="The national competence catalogue as this instance received it (current version and history)")
    def list_competence_modules(self, request):
        return self._catalogue()

    @api("GET", MAPPING, allow=READERS, returns=schemas.CourseCompetenceModules,
         summary="The competence modules a group course counts toward")
    def get_course_competence_modules(self, request, course_id):
        self._group_course(request, course_id)
        return self._mapping(course_id)

    @api("PUT", MAPPING, allow=MAPPERS, body=schemas.MapCompetenceModules, returns=schemas.CourseCompetenceModules,
         summary="Set the competence modules a group course counts toward: completing the course (its completion "
                 "rule met) completes each of them")
    def map_course_competence_modules(self, request, course_id, body):
        course = self._group_course(request, course_id)
        status = self.db.execute("SELECT status FROM group_courses WHERE id = %s", (str(course_id),)).fetchone()
        catalogue = {str(m["module_id"]): m for m in
                     self.db.execute("SELECT module_id, retired_at FROM catalogue_modules").fetchall()}
        stream = stream_name("course_competence", course.id)
        expected = body["expected_version"]
        self._append(stream, competence.mapping(course.id, status["status"], body["module_ids"], catalogue),
                     current_version(self.db.conn, stream) if expected is None else expected)
        return self._mapping(course_id)

    # -- the person's competence profile and credentials ---------------------------------------------------------
    @api("GET", PERSON, allow=PROFILE_READERS, returns=schemas.CompetenceProfile,
         summary="A person's competence profile: the modules they completed, here or at another instance "
                 "(a peer: their own)")
    # What a person completed can tell that they took part in a recovery course (health-related): audited.
    @audited("competence_profile", id_param="person_id", purpose="personens kompetenceprofil")
    def competence_profile(self, request, person_id):
        self._own(request, person_id)
        completions = self._completions(person_id)
        return {"person_id": person_id, "completions": completions,
                "total_hours": float(sum(c["hours"] for c in completions))}

    @api("GET", PERSON + "/<uuid:completion_id>/credential", allow=HOLDERS, returns=schemas.Credential,
         summary="A completion made here as an Open Badges 3.0 credential, signed by this instance (vc+jwt)")
    @audited("competence_credential", id_param="completion_id", purpose="personen tager sin kompetence med")
    def competence_credential(self, request, person_id, completion_id):
        self._own(request, person_id)
        row = self.db.execute(
            "SELECT c.*, v.description FROM competence_completions c LEFT JOIN catalogue_module_versions v "
            "ON v.module_id = c.module_id AND v.module_version = c.module_version "
            "WHERE c.completion_id = %s AND c.person_id = %s AND c.source = 'course'",
            (str(completion_id), str(person_id))).fetchone()
        if row is None:
            raise NotFound(f"completion {completion_id}: not one this instance recorded for the person")
        vc = credentials.credential({**row, "description": row["description"] or ""}, settings().instance_id)
        return {"format": credentials.MEDIA_TYPE, "jwt": credentials.sign(vc), "credential": vc}

    @api("POST", PERSON + "/imports", allow=HOLDERS, body=schemas.ImportCredential,
         returns=schemas.CompetenceCompletion, status=201,
         summary="Record a completion from another instance: the person presents its Open Badges 3.0 credential, "
                 "which is verified against its issuer's published key, and consents")
    def import_competence_credential(self, request, person_id, body):
        self._own(request, person_id)
        if body["consent"] is not True:
            raise InvalidInput.field("consent", "the person's consent is needed to record the completion")
        if self.vault.keystore.is_erased(str(person_id)):
            raise PersonErased("person_id")
        verified = credentials.verify(body["credential"])
        if verified.issuer_instance == settings().instance_id:
            raise InvalidInput.field("credential", "issued by this instance: the completion is already here")
        completion = credentials.completion_of(verified)
        stream = stream_name("competence", completion["completion_id"])
        if current_version(self.db.conn, stream) != NO_STREAM:
            raise InvalidInput.field("credential", "already recorded at this instance")
        self._append(stream, [NewEvent("competence.imported", {
            **completion, "person_id": str(person_id),
            "consented_at": datetime.now(timezone.utc).isoformat()})], NO_STREAM)
        return self.db.execute("SELECT * FROM competence_completions WHERE completion_id = %s",
                               (completion["completion_id"],)).fetchone()

    @api("GET", "/.well-known/jwks.json", allow=PUBLIC, returns=schemas.Jwks,
         summary="The public key that verifies this instance's competence credentials (JWKS, Ed25519)")
    def credential_keys(self, request):
        return {"keys": [credentials.public_jwk()]}
