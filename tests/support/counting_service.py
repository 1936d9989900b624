"""`counter`: a test-only nameko service that counts how often each roles event is applied.

It consumes exactly as services/notifications/service.py does (`consumes` + `Database.apply_once`),
but its handler inserts one row per application into `applied_events`, a table without a unique
constraint: an event applied twice is two rows, so the fault tests (tests/faults/) can count lost and
duplicated events instead of trusting an idempotent write to hide them.

    nameko run --config deploy/nameko.yaml tests.support.counting_service
"""
from __future__ import annotations

from pathlib import Path

from runtime.http import health
from runtime.messaging.consumer import consumes
from runtime.service.database import Database

MIGRATIONS = Path(__file__).parent / "counting_migrations"


class CounterService(health.HealthEndpoints):
    name = "counter"
    db = Database()

    @consumes("roles", categories=["function_description"])
    def on_function_description(self, event):
        outcome = self.db.apply_once(event, self._count)
        # Same transaction as the application: a delivery is recorded only if its effects committed.
        self.db.execute(
            "INSERT INTO deliveries (event_id, stream, stream_version, outcome) VALUES (%s, %s, %s, %s)",
            (event["event_id"], event["stream"], event["stream_version"], outcome))

    def _count(self, event: dict) -> None:
        self.db.execute(
            "INSERT INTO applied_events (event_id, event_type, stream, stream_version) VALUES (%s, %s, %s, %s)",
            (event["event_id"], event["type"], event["stream"], event["stream_version"]))
