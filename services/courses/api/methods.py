"""Methods: the national tools (seeded data) and local ones (added here)."""
from __future__ import annotations

from runtime.eventstore import NO_STREAM
from runtime.http.entrypoint import api
from services.courses import schemas
from services.courses.api.base import PLANNERS, READERS, ApiBase
from services.courses.domain.methods import NATIONAL_METHODS, LocalMethod


class MethodsApi(ApiBase):
    def _methods(self) -> list[dict]:
        local = self.db.execute("SELECT id, name, description, 'local' AS origin FROM local_methods "
                                "ORDER BY name").fetchall()
        return [dict(m) for m in NATIONAL_METHODS] + local

    @api("GET", "/methods", allow=READERS, returns=schemas.Method, many=True,
         summary="Methods: the national tools and the local ones")
    def list_methods(self, request):
        return self._methods()

    @api("POST", "/methods", allow=PLANNERS, body=schemas.AddMethod, returns=schemas.Method, status=201,
         summary="Add a local method")
    def add_method(self, request, body):
        names = {m["name"] for m in self._methods()}
        method_id = self._create_id()
        self._append(LocalMethod.stream_of(method_id), LocalMethod.add(body["name"], body["description"], names),
                     NO_STREAM)
        return {"id": method_id, "name": body["name"].strip(), "description": body["description"],
                "origin": "local"}
