"""A person's choices: channels per category, quiet hours (Europe/Copenhagen), a daily digest.

Critical messages (agreement expiry) ignore switched-off channels and are never held for a digest;
quiet hours only postpone an e-mail (to when they end), they drop nothing. The inbox is silent, so
neither quiet hours nor the digest hold it back.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
DIGEST_AT = time(7, 0)  # the daily digest leaves at 07:00 Copenhagen time


@dataclass(frozen=True)
class Preferences:
    disabled: frozenset = frozenset()          # {(category, channel)}
    quiet_from: time | None = None
    quiet_until: time | None = None
    daily_digest: bool = False
    newsletter: bool = False

    def allows(self, category: str, channel: str, critical: bool) -> bool:
        return critical or (category, channel) not in self.disabled

    def in_quiet_hours(self, at: datetime) -> bool:
        if self.quiet_from is None or self.quiet_until is None or self.quiet_from == self.quiet_until:
            return False
        local = at.astimezone(COPENHAGEN).time()
        if self.quiet_from < self.quiet_until:                        # e.g. 12:00–13:00
            return self.quiet_from <= local < self.quiet_until
        return local >= self.quiet_from or local < self.quiet_until   # across midnight, e.g. 22:00–07:00

    def quiet_hours_end(self, at: datetime) -> datetime:
        """When the quiet hours `at` falls in end (a local wall-clock time, so DST is respected)."""
        local = at.astimezone(COPENHAGEN)
        end = datetime.combine(local.date(), self.quiet_until, tzinfo=COPENHAGEN)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.quiet_until, tzinfo=COPENHAGEN)
        return end

    def email_moment(self, at: datetime, critical: bool) -> tuple[str, datetime]:
        """(status, when) for an e-mail planned `at`: held for the digest, postponed past quiet hours,
        or due now."""
        if self.daily_digest and not critical:
            return "digest", next_digest(at)
        if self.in_quiet_hours(at):
            return "pending", self.quiet_hours_end(at)
        return "pending", at


def next_digest(at: datetime) -> datetime:
    local = at.astimezone(COPENHAGEN)
    moment = datetime.combine(local.date(), DIGEST_AT, tzinfo=COPENHAGEN)
    if moment <= local:
        moment = datetime.combine(local.date() + timedelta(days=1), DIGEST_AT, tzinfo=COPENHAGEN)
    return moment


def load(conn, person_id: str) -> Preferences:
    row = conn.execute("SELECT * FROM person_settings WHERE person_id = %s", (person_id,)).fetchone()
    disabled = frozenset((r["category"], r["channel"]) for r in conn.execute(
        "SELECT category, channel FROM channel_preferences WHERE person_id = %s AND NOT enabled",
        (person_id,)).fetchall())
    if row is None:
        return Preferences(disabled=disabled)
    return Preferences(disabled=disabled, quiet_from=row["quiet_from"], quiet_until=row["quiet_until"],
                       daily_digest=row["daily_digest"], newsletter=row["newsletter"])
