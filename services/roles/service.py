"""The roles service: function descriptions (funktionsbeskrivelser), peers with their terms and
accommodation needs (api/peers.py), their own crisis plans (api/crisis_plans.py), volunteer agreements
and statements (api/volunteers.py).

Personal fields (the names of the nearest leader and the mentor) are sealed per person by the vault
before they are appended, stay sealed in the read model, and are opened only for the response.
The roles service also records erasures (`person.erased`), which every service's projections follow.
"""
from __future__ import annotations

import uuid

from runtime import audit, feed, health
from runtime.auth import principal_of
from runtime.errors import Forbidden, NotFound
from runtime.eventstore import NO_STREAM
from runtime.http import api
from runtime.store import Database
from runtime.vault import Vault, erase_person as destroy_and_record, refuse_commands_on_erased
from services.roles import projections, schemas
# Modules, not classes: `nameko run` takes every class in this namespace with entrypoints for a service.
from services.roles.api import contacts, crisis_plans, peers, statistics, volunteers
from services.roles.domain import FunctionDescription, stream_of
from services.roles.domain.function_description import history
from services.roles.template import template

# Streams that are a person, with the field naming them: no command once they were erased (410).
PERSON_STREAMS = {"peer": "peer_id", "volunteer": "peer_id"}
READERS = ("peer", "coordinator", "leader", "admin")
EDITORS = ("coordinator", "leader", "admin")


class RolesService(feed.EventFeed, health.HealthEndpoints, audit.AuditEndpoints, peers.PeersApi,
                   crisis_plans.CrisisPlansApi, volunteers.VolunteersApi, statistics.StatisticsApi, contacts.ContactsRpc):
    name = "roles"
    db = Database()
    vault = Vault()

    # -- helpers ----------------------------------------------------------------------------------
    def _load(self, description_id: uuid.UUID) -> FunctionDescription:
        events = self.vault.open(self.db.read_stream(stream_of(description_id)))
        description = FunctionDescription.from_events(description_id, events)
        if not description.exists:
            raise NotFound(f"function description {description_id} does not exist")
        return description

    def _append(self, stream: str, events, expected_version) -> None:
        refuse_commands_on_erased(self.vault, stream, PERSON_STREAMS)
        for event in self.db.append(stream, self.vault.seal(stream, events), expected_version):
            projections.project(self.db.conn, event)

    def _record(self, description: FunctionDescription, events, expected_version) -> dict:
        expected = description.version if expected_version is None else expected_version
        self._append(stream_of(description.id), events, expected)
        return self._detail(description.id)

    def _detail(self, description_id) -> dict:
        row = self.db.execute("SELECT * FROM function_descriptions WHERE id = %s", (str(description_id),)).fetchone()
        if row is None:
            raise NotFound(f"function description {description_id} does not exist")
        row = self.vault.open(row)
        description = FunctionDescription(
            id=row["id"], version=row["version"], template_id=row["template_id"],
            template_version=row["template_version"], local_fields=row["local_fields"],
            support_mode=row["support_mode"])
        return {**row, "missing_for_publication": description.missing_for_publication(),
                "template": template(row["template_id"], row["template_version"])}

    # -- HTTP -------------------------------------------------------------------------------------
    @api("GET", "/function-descriptions/template", allow=READERS, summary="The national template")
    def national_template(self, request):
        return template()

    @api("POST", "/function-descriptions", allow=EDITORS, body=schemas.AdoptFunctionDescription,
         returns=schemas.FunctionDescriptionDetail, status=201,
         summary="Adopt the national template at a workplace")
    def adopt(self, request, body):
        description_id = uuid.uuid4()
        self._append(stream_of(description_id), FunctionDescription.adopt(body["workplace"], body["title"]), NO_STREAM)
        return self._detail(description_id)

    @api("GET", "/function-descriptions", allow=READERS, returns=schemas.FunctionDescriptionSummary, many=True,
         summary="Function descriptions of the instance")
    def list_descriptions(self, request):
        return self.db.execute("SELECT * FROM function_descriptions ORDER BY workplace, updated_at").fetchall()

    @api("GET", "/function-descriptions/<uuid:description_id>", allow=READERS,
         returns=schemas.FunctionDescriptionDetail, summary="One function description with its template")
    def get_description(self, request, description_id):
        return self._detail(description_id)

    @api("PATCH", "/function-descriptions/<uuid:description_id>/local-fields", allow=EDITORS,
         body=schemas.FillLocalFields, returns=schemas.FunctionDescriptionDetail,
         summary="Fill or change local fields ('udfyldes lokalt')")
    def fill_local_fields(self, request, description_id, body):
        description = self._load(description_id)
        return self._record(description, description.fill_local_fields(body["fields_"]), body["expected_version"])

    @api("PUT", "/function-descriptions/<uuid:description_id>/support-mode", allow=EDITORS,
         body=schemas.DecideSupportMode, returns=schemas.FunctionDescriptionDetail,
         summary="Decide individual support, group courses or both")
    def decide_support_mode(self, request, description_id, body):
        description = self._load(description_id)
        return self._record(description, description.decide_support_mode(body["support_mode"]),
                            body["expected_version"])

    @api("POST", "/function-descriptions/<uuid:description_id>/publish", allow=EDITORS, body=schemas.Publish,
         returns=schemas.FunctionDescriptionDetail, summary="Publish; refused while a required local field is empty")
    def publish(self, request, description_id, body):
        description = self._load(description_id)
        return self._record(description, description.publish(), body["expected_version"])

    @api("POST", "/function-descriptions/<uuid:description_id>/acknowledgements", allow=("peer", "leader"),
         body=schemas.Acknowledge, returns=schemas.FunctionDescriptionDetail,
         summary="The peer or the leader acknowledges the latest revision, reviewed together")
    def acknowledge(self, request, description_id, body):
        description = self._load(description_id)
        principal = principal_of(request)
        party = "leader" if principal.has("leader") else "peer"
        if party == "peer":
            works_here = self.db.execute("SELECT 1 FROM peers WHERE id::text = %s AND function_description_id = %s",
                                         (principal.subject, str(description_id))).fetchone()
            if works_here is None:
                raise Forbidden("only a peer working under this description acknowledges it as the peer")
        return self._record(description, description.acknowledge(body["revision"], party, principal.subject),
                            body["expected_version"])

    @api("GET", "/function-descriptions/<uuid:description_id>/history", allow=READERS,
         returns=schemas.FunctionDescriptionVersion, many=True,
         summary="The published versions, oldest first, with who acknowledged each")
    def description_history(self, request, description_id):
        self._load(description_id)
        return history(self.vault.open(self.db.read_stream(stream_of(description_id))))

    # -- persons ----------------------------------------------------------------------------------
    @api("POST", "/persons/<uuid:person_id>/erasure", allow=("admin",), body=schemas.ErasePerson,
         returns=schemas.ErasureReceipt, summary="Erase a person: destroy their key, forget their rows everywhere")
    def erase_person(self, request, person_id, body):
        erasure = destroy_and_record(self.db, self.vault, str(person_id), body["basis"],
                                     erased_by=principal_of(request).subject)
        for event in erasure.events:
            projections.project(self.db.conn, event)
        return erasure
