"""A person's own preferences: channels per category, quiet hours, daily digest, newsletter."""
from __future__ import annotations

from runtime.errors import Forbidden
from runtime.http.entrypoint import api
from services.notifications import schemas
from services.notifications.api.base import READERS, caller_person_id


class PreferencesApi:
    @api("GET", "/preferences", allow=READERS, returns=schemas.Preferences, summary="The caller's preferences")
    def get_preferences(self, request):
        return self._preferences(self._person(request))

    @api("PUT", "/preferences", allow=READERS, body=schemas.Preferences, returns=schemas.Preferences,
         summary="Replace the caller's preferences (critical messages are sent whatever they say)")
    def put_preferences(self, request, body):
        person = self._person(request)
        self.db.execute("DELETE FROM channel_preferences WHERE person_id = %s", (person,))
        for choice in body["channels"]:
            self.db.execute("INSERT INTO channel_preferences (person_id, category, channel, enabled) "
                            "VALUES (%s, %s, %s, %s) ON CONFLICT (person_id, category, channel) "
                            "DO UPDATE SET enabled = EXCLUDED.enabled",
                            (person, choice["category"], choice["channel"], choice["enabled"]))
        quiet = body["quiet_hours"] or {}
        self.db.execute(
            "INSERT INTO person_settings (person_id, quiet_from, quiet_until, daily_digest, newsletter) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (person_id) DO UPDATE SET quiet_from = EXCLUDED.quiet_from, "
            "quiet_until = EXCLUDED.quiet_until, daily_digest = EXCLUDED.daily_digest, newsletter = EXCLUDED.newsletter",
            (person, quiet.get("starts"), quiet.get("ends"), body["daily_digest"], body["newsletter"]))
        return self._preferences(person)

    def _person(self, request) -> str:
        person = caller_person_id(request)
        if person is None:
            raise Forbidden("token subject: preferences belong to a person (the token's subject is a person id)")
        return person

    def _preferences(self, person) -> dict:
        channels = self.db.execute("SELECT category, channel, enabled FROM channel_preferences WHERE person_id = %s "
                                   "ORDER BY category, channel", (person,)).fetchall()
        row = self.db.execute("SELECT * FROM person_settings WHERE person_id = %s", (person,)).fetchone() or {}
        quiet = None
        if row.get("quiet_from") is not None:
            quiet = {"starts": row["quiet_from"].strftime("%H:%M"), "ends": row["quiet_until"].strftime("%H:%M")}
        return {"channels": channels, "quiet_hours": quiet, "daily_digest": row.get("daily_digest", False),
                "newsletter": row.get("newsletter", False)}
