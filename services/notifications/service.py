"""The notifications service: turns other services' events into messages people act on, in Danish,
by e-mail and in a personal inbox (rules.py says which event tells whom what).

Consumed events update what this service knows (projections.py), schedule reminders (schedule.py)
and plan messages (ledger.py), all in the transaction that records the event as applied. A timer
fires due reminders and sends due e-mails and digests, each row claimed with SKIP LOCKED, so
restarts and replicas send each message once. E-mail addresses are fetched from roles over RPC when
sending, never stored here. `person.erased` from roles forgets a person's messages, preferences and
reminders.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone

import eventlet
from nameko.rpc import RpcProxy
from nameko.timer import timer

from runtime.http import audit_log
from runtime.messaging import feed
from runtime.http import health
from runtime.privacy import erasure
from runtime.config import settings
from runtime.messaging.consumer import consumes
from runtime.service.database import Database
from services.notifications import handling, ledger, projections, schedule
# Modules, not classes: `nameko run` takes every class in this namespace with entrypoints for a service.
from services.notifications.api import inbox, operations, preferences

INTERVAL = float(os.environ.get("NOTIFICATIONS_INTERVAL_SECONDS", "5"))
CONTACT_TIMEOUT = 10  # seconds to wait for roles' answer before the attempt counts as failed


def now() -> datetime:
    return datetime.now(timezone.utc)


class NotificationsService(feed.EventFeed, health.HealthEndpoints, audit_log.AuditEndpoints, inbox.InboxApi,
                           preferences.PreferencesApi, operations.OperationsApi):
    name = "notifications"
    db = Database()
    roles = RpcProxy("roles")

    # -- consumed events ---------------------------------------------------------------------------
    @consumes("roles", categories=[erasure.PERSON_CATEGORY])
    def on_person(self, event):
        self.db.apply_once(event, self._forget)

    def _forget(self, event: dict) -> None:
        if subject := erasure.erased_subject(event):
            projections.forget(self.db.conn, subject, event["event_id"], event["occurred_at"])

    # One queue for the roles facts the rules combine (its name kept from when it held descriptions only):
    # a queue keeps the relay's commit order, so a peer registered under a description is known here
    # before that description's publication is, live and in a rebuild from the feed alike.
    @consumes("roles", categories=["function_description", "peer", "volunteer_agreement", "volunteer"])
    def on_function_description(self, event):
        self.db.apply_once(event, self._follow)

    # Courses also keeps the national competence catalogue it receives (`catalogue_module`).
    @consumes("courses", categories=["group_course", "peer_education", "catalogue_module"])
    def on_courses(self, event):
        self.db.apply_once(event, self._follow)

    # The network's facts for others: meeting notices (invitations, changes, cancellations, reminders),
    # meetings attended, national events announced and the answers to this instance's sign-ups. Its
    # internal `meeting` streams (sign-up notes are sealed there) are not bound.
    @consumes("network", categories=["meeting_notice", "network_activity", "national_event_notice",
                                     "national_sign_up"])
    def on_network(self, event):
        self.db.apply_once(event, self._follow)

    def _follow(self, event: dict) -> None:
        handling.follow(self.db.conn, event, now(), settings().instance_id)

    # -- sending -------------------------------------------------------------------------------------
    @timer(interval=INTERVAL, eager=True)
    def send(self):
        """Fire due reminders, then send due e-mails and digests; each row in its own transaction."""
        conn, moment = self.db.conn, now()
        schedule.fire_due(conn, moment, settings().instance_id)
        mailer = _mailer()
        if mailer is None:
            return
        addresses: dict[str, str | None] = {}

        def email_of(person_id: str) -> str | None:
            if person_id not in addresses:
                with eventlet.Timeout(CONTACT_TIMEOUT):
                    addresses[person_id] = self.roles.email_of(person_id)
            return addresses[person_id]

        ledger.send_due(conn, email_of, mailer, moment)
        ledger.send_digests(conn, email_of, mailer, moment)


def _mailer():
    from services.notifications.mailer import Mailer

    return Mailer.from_environment()
