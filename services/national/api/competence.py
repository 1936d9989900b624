"""The shared competence catalogue for national coordinators: publish modules and new versions, retire them
(every instance receives each as it is published, domain/competence_module.py), and each module's picture
of completions by region and month, suppressed under docs/security.md N8-N10 like the national picture."""
from __future__ import annotations

import uuid

from runtime.errors import NotFound
from runtime.eventstore import current_version
from runtime.http.entrypoint import api
from services.national import disclosure, schemas
from services.national.api.base import COORDINATORS, ApiBase
from services.national.api.overview import measure_picture
from services.national.domain.competence_module import CompetenceModule
MODULE = "/national/competence-modules/<uuid:module_id>"


class CompetenceCatalogueApi(ApiBase):
    def _load_module(self, module_id) -> CompetenceModule:
        return self._load(CompetenceModule, module_id)

    def _record_module(self, module: CompetenceModule, events, expected_version=None) -> dict:
        self._record(module, events, expected_version)
        return self._module_detail(module.id)

    def _module_detail(self, module_id) -> dict:
        versions = self.db.execute("SELECT * FROM competence_module_versions WHERE module_id = %s "
                                   "ORDER BY module_version", (str(module_id),)).fetchall()
        if not versions:
            raise NotFound(f"competence module {module_id} does not exist")
        state = self.db.execute("SELECT retired_at FROM competence_modules WHERE module_id = %s",
                                (str(module_id),)).fetchone()
        return {**versions[-1], "module_id": module_id, "versions": versions, "retired_at": state["retired_at"],
                "retired": state["retired_at"] is not None,
                "version": current_version(self.db.conn, CompetenceModule.stream_of(module_id))}

    @api("POST", "/national/competence-modules", allow=COORDINATORS, body=schemas.PublishModule,
         returns=schemas.CompetenceModule, status=201,
         summary="Publish a new competence module (version 1); every instance receives it")
    def publish_competence_module(self, request, body):
        module = CompetenceModule(uuid.uuid4())
        return self._record_module(module, module.publish(schemas.PublishModule().dump(body)))

    @api("POST", MODULE + "/versions", allow=COORDINATORS, body=schemas.PublishVersion,
         returns=schemas.CompetenceModule, status=201,
         summary="Publish a new version of a module: it supersedes the current one (completions keep theirs)")
    def publish_competence_module_version(self, request, module_id, body):
        module = self._load_module(module_id)
        details = schemas.PublishModule().dump({k: v for k, v in body.items() if k != "expected_version"})
        return self._record_module(module, module.publish(details), body["expected_version"])

    @api("POST", MODULE + "/retire", allow=COORDINATORS, body=schemas.RetireModule, returns=schemas.CompetenceModule,
         summary="Retire a module: no instance maps new courses to it; completions already made stay valid")
    def retire_competence_module(self, request, module_id, body):
        module = self._load_module(module_id)
        return self._record_module(module, module.retire(), body["expected_version"])

    @api("GET", "/national/competence-modules", allow=COORDINATORS, returns=schemas.CompetenceModule, many=True,
         summary="The competence catalogue: every module, its current version and its history")
    def list_competence_modules(self, request):
        rows = self.db.execute("SELECT module_id FROM competence_modules ORDER BY module_id").fetchall()
        return [self._module_detail(r["module_id"]) for r in rows]

    @api("GET", MODULE, allow=COORDINATORS, returns=schemas.CompetenceModule, summary="A competence module")
    def get_competence_module(self, request, module_id):
        return self._module_detail(module_id)

    @api("GET", MODULE + "/picture", allow=COORDINATORS, returns=schemas.CompetencePicture,
         summary="Completions of the module by region and month (?region=a,b&from=YYYY-MM&to=YYYY-MM); "
                 "counts below min_count suppressed")
    def competence_module_picture(self, request, module_id):
        detail = self._module_detail(module_id)
        query = self._query(request)
        rows = self.db.execute("SELECT instance_id, to_char(period, 'YYYY-MM') AS period, value FROM competence_cells "
                               "WHERE module_id = %s", (str(module_id),)).fetchall()
        counts = {(r["instance_id"], r["period"]): r["value"] for r in rows}
        regions = query["region"].split(",") if query.get("region") else None
        return {"module_id": module_id, "min_count": disclosure.MIN_COUNT,
                "picture": measure_picture("competence_completions", f"completions of '{detail['title']}'",
                                           counts, query, regions)}

