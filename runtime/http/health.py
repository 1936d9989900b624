"""Health, readiness, metrics and the OpenAPI document: the endpoints every service has."""
from runtime.http.auth import PUBLIC
from runtime.http.entrypoint import api

PROMETHEUS_TEXT = "text/plain; version=0.0.4"  # prometheus_client's CONTENT_TYPE_LATEST, less the charset


class HealthEndpoints:
    """Mixin for a service class that has `db = Database()`."""

    @api("GET", "/health", allow=PUBLIC, summary="Liveness")
    def health(self, request):
        return {"status": "ok", "service": self.name}

    @api("GET", "/ready", allow=PUBLIC, summary="Readiness: the database answers")
    def ready(self, request):
        self.db.execute("SELECT 1")
        return {"status": "ready", "service": self.name}

    @api("GET", "/openapi.json", allow=PUBLIC, summary="This service's OpenAPI document")
    def openapi(self, request):
        from runtime.http.openapi import document

        return document(type(self))

    @api("GET", "/metrics", allow=("admin",), produces=PROMETHEUS_TEXT,
         summary="Prometheus metrics in the text exposition format (scrape with an admin token)")
    def metrics(self, request):
        from runtime.metrics import exposition

        return exposition(self.name, self.db.conn)
