"""`courses_listener`: a test-only nameko service standing in for the roles service, which will
consume the facts the courses service publishes for it (contracts/courses.py):
`peer_education.completed` (statement eligibility) and `peer_activity.session_held` (volunteer
activities). It consumes them exactly as a real service would (`consumes` + `apply_once`, through
the broker, catching up from the courses feed) and keeps what it saw in `seen_events`.

    nameko run --config deploy/nameko.yaml tests.support.courses_listener
"""
from __future__ import annotations

import json
from pathlib import Path

from runtime.http import health
from runtime.messaging.consumer import consumes
from runtime.service.database import Database

NAME = "courses_listener"
MIGRATIONS = Path(__file__).resolve().parents[1] / "courses" / "listener_migrations"


class CoursesListener(health.HealthEndpoints):
    name = NAME
    db = Database()

    @consumes("courses", categories=["peer_education"])
    def on_peer_education(self, event):
        self.db.apply_once(event, self._keep)

    @consumes("courses", categories=["peer_activity"])
    def on_peer_activity(self, event):
        self.db.apply_once(event, self._keep)

    def _keep(self, event: dict) -> None:
        self.db.execute("INSERT INTO seen_events (event_id, event_type, stream, payload) VALUES (%s, %s, %s, %s)",
                        (event["event_id"], event["type"], event["stream"], json.dumps(event["payload"])))
