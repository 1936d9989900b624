"""Persons: the erasure of a person (crypto-shredding), which every service's projections follow."""
from __future__ import annotations

from runtime.http.auth import principal_of
from runtime.http.entrypoint import api
from runtime.privacy.erasure import erase_person as destroy_and_record
from services.roles import schemas
from services.roles.api.base import ApiBase


class PersonsApi(ApiBase):
    @api("POST", "/persons/<uuid:person_id>/erasure", allow=("admin",), body=schemas.ErasePerson,
         returns=schemas.ErasureReceipt, summary="Erase a person: destroy their key, forget their rows everywhere")
    def erase_person(self, request, person_id, body):
        erasure = destroy_and_record(self.db, self.vault, str(person_id), body["basis"],
                                     erased_by=principal_of(request).subject)
        for event in erasure.events:
            self.projections.project(self.db.conn, event)
        return erasure
