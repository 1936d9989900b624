"""Function descriptions (funktionsbeskrivelser): a workplace adopts the national template, fills in its
local fields, decides the support mode, publishes revisions the peer and the leader acknowledge."""
from __future__ import annotations

import uuid

from runtime.http.auth import principal_of
from runtime.errors import Forbidden, NotFound
from runtime.eventstore import NO_STREAM
from runtime.http.entrypoint import api
from runtime.http.paging import page_clause
from services.roles import schemas
from services.roles.api.base import DESCRIPTION_EDITORS as EDITORS
from services.roles.api.base import DESCRIPTION_READERS as READERS
from services.roles.api.base import ApiBase
from services.roles.domain import FunctionDescription, stream_of
from services.roles.domain.function_description import history
from services.roles.template import template


class FunctionDescriptionsApi(ApiBase):
    # -- helpers ----------------------------------------------------------------------------------
    def _record_description(self, description: FunctionDescription, events, expected_version) -> dict:
        self._record(description, events, expected_version)
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

    @api("GET", "/function-descriptions", allow=READERS, query=schemas.DescriptionsQuery,
         returns=schemas.FunctionDescriptionSummary, many=True, paged=True,
         summary="Function descriptions of the instance (?workplace= one workplace's), a page at a time")
    def list_descriptions(self, request, query):
        return self.db.execute("SELECT * FROM function_descriptions WHERE %(workplace)s::text IS NULL "
                               "OR workplace = %(workplace)s ORDER BY workplace, updated_at, id" + page_clause(query),
                               {"workplace": query["workplace"]}).fetchall()

    @api("GET", "/function-descriptions/<uuid:description_id>", allow=READERS,
         returns=schemas.FunctionDescriptionDetail, summary="One function description with its template")
    def get_description(self, request, description_id):
        return self._detail(description_id)

    @api("PATCH", "/function-descriptions/<uuid:description_id>/local-fields", allow=EDITORS,
         body=schemas.FillLocalFields, returns=schemas.FunctionDescriptionDetail,
         summary="Fill or change local fields ('udfyldes lokalt')")
    def fill_local_fields(self, request, description_id, body):
        description = self._load(FunctionDescription, description_id)
        return self._record_description(description, description.fill_local_fields(body["fields_"]), body["expected_version"])

    @api("PUT", "/function-descriptions/<uuid:description_id>/support-mode", allow=EDITORS,
         body=schemas.DecideSupportMode, returns=schemas.FunctionDescriptionDetail,
         summary="Decide individual support, group courses or both")
    def decide_support_mode(self, request, description_id, body):
        description = self._load(FunctionDescription, description_id)
        return self._record_description(description, description.decide_support_mode(body["support_mode"]),
                            body["expected_version"])

    @api("POST", "/function-descriptions/<uuid:description_id>/publish", allow=EDITORS, body=schemas.Publish,
         returns=schemas.FunctionDescriptionDetail, summary="Publish; refused while a required local field is empty")
    def publish(self, request, description_id, body):
        description = self._load(FunctionDescription, description_id)
        return self._record_description(description, description.publish(), body["expected_version"])

    @api("POST", "/function-descriptions/<uuid:description_id>/acknowledgements", allow=("peer", "leader"),
         body=schemas.Acknowledge, returns=schemas.FunctionDescriptionDetail,
         summary="The peer or the leader acknowledges the latest revision, reviewed together")
    def acknowledge(self, request, description_id, body):
        description = self._load(FunctionDescription, description_id)
        principal = principal_of(request)
        party = "leader" if principal.has("leader") else "peer"
        if party == "peer":
            works_here = self.db.execute("SELECT 1 FROM peers WHERE id::text = %s AND function_description_id = %s",
                                         (principal.subject, str(description_id))).fetchone()
            if works_here is None:
                raise Forbidden("only a peer working under this description acknowledges it as the peer")
        return self._record_description(description, description.acknowledge(body["revision"], party, principal.subject),
                            body["expected_version"])

    @api("GET", "/function-descriptions/<uuid:description_id>/history", allow=READERS,
         returns=schemas.FunctionDescriptionVersion, many=True,
         summary="The published versions, oldest first, with who acknowledged each")
    def description_history(self, request, description_id):
        self._load(FunctionDescription, description_id)
        return history(self.vault.open(self.db.read_stream(stream_of(description_id))))
