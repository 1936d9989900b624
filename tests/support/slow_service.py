"""A test service with one slow and one fast query, both through the shared `Database` provider."""
import os

from runtime import db
from runtime.http.auth import PUBLIC
from runtime.http.entrypoint import api
from runtime.service.database import Database

if os.environ.get("SLOWPOKE_WITHOUT_GUARD"):
    # The control run of the slow-query test: let the service start with psycopg's blocking wait,
    # to show that the test does detect a stalled hub.
    db.assert_green_wait = lambda: None


class SlowpokeService:
    name = "slowpoke"
    db = Database()

    @api("GET", "/slow", allow=PUBLIC)
    def slow(self, request):
        self.db.execute("SELECT pg_sleep(2)")
        return {"slow": "done"}

    @api("GET", "/ready", allow=PUBLIC)
    def ready(self, request):
        self.db.execute("SELECT 1")
        return {"fast": "done"}
