"""The rules as data (for coordinators), and what ops see of e-mails that kept failing."""
from __future__ import annotations

from runtime.errors import NotFound
from runtime.http.entrypoint import api
from services.notifications import ledger, schemas
from services.notifications.api.base import READERS, now
from services.notifications.rules import RULES


class OperationsApi:
    @api("GET", "/rules", allow=READERS, returns=schemas.Rule, many=True,
         summary="Which event tells whom what, on which channels (the rules as data)")
    def rules(self, request):
        return [rule.as_dict() for rule in RULES]

    @api("GET", "/deliveries/failed", allow=("admin",), returns=schemas.FailedDelivery, many=True, paged=True,
         summary="E-mails given up after the last retry (no recipient, no content)")
    def failed_deliveries(self, request, query):
        return ledger.failed(self.db.conn, query["limit"], query["offset"])

    @api("POST", "/deliveries/<uuid:delivery_id>/retry", allow=("admin",), returns=schemas.Retried,
         summary="Send a failed e-mail again")
    def retry_delivery(self, request, delivery_id):
        if not ledger.retry(self.db.conn, delivery_id, now()):
            raise NotFound(f"delivery {delivery_id} is not a failed e-mail")
        return {"id": delivery_id, "status": "pending"}
