"""The send ledger: every message to every recipient on every channel is one row, id =
uuid5(cause, recipient, channel), inserted once (ON CONFLICT DO NOTHING), whoever plans it again.

Protocol for e-mail (one row at a time, each in its own transaction):
  1. claim: SELECT … FOR UPDATE SKIP LOCKED a due `pending` row (another replica skips it);
  2. send it over SMTP with Message-ID <delivery id@domain>, holding the row lock;
  3. mark it `sent` and commit.
A crash before 3 leaves the row `pending` (the lock dies with the connection), so it is sent again
with the same Message-ID: exactly once into the ledger; at the SMTP server at most one repeat, only
when the crash falls between the server's 250 and our commit, and recognisable by its Message-ID.
The inbox channel is written in the planning transaction itself: exactly once by its primary key.
SMTP failures are retried with exponential backoff; after MAX_ATTEMPTS the row is `failed`, listed
for ops (`GET /deliveries/failed`, `peer-admin notifications failed`) and retried by them.
"""
from __future__ import annotations

import logging
import os
import uuid
from datetime import datetime, timedelta

from prometheus_client import Counter

from services.notifications import recipients
from services.notifications.domain import preferences
from services.notifications.messages import MESSAGES, message_id, render
from services.notifications.rules import EMAIL, INBOX

log = logging.getLogger(__name__)

SENT = Counter("notifications_sent_total", "Messages delivered", ["channel"])
FAILED = Counter("notifications_failed_total", "E-mails given up after the last attempt (ops list)", ["channel"])
RETRIED = Counter("notifications_retried_total", "E-mail attempts that failed and were scheduled again",
                  ["channel"])
SUPPRESSED = Counter("notifications_suppressed_total", "Messages not sent because of a preference",
                     ["category", "channel"])

MAX_ATTEMPTS = 5


def retry_base() -> float:
    return float(os.environ.get("NOTIFICATIONS_RETRY_BASE_SECONDS", "30"))


def backoff(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min … (base × 4^(n-1)), capped at six hours."""
    return timedelta(seconds=min(retry_base() * 4 ** (attempts - 1), 6 * 3600))


def inbox_url() -> str:
    return os.environ.get("NOTIFICATIONS_INBOX_URL", "https://peer.example/indbakke")


# -- planning (in the transaction of the event or reminder that causes it) ------------------------------
def plan(conn, rule, cause: str, subject_id: str, payload: dict, values: dict, now: datetime,
         calendar: str | None = None, source_event: str | None = None, persons: list[str] | None = None) -> int:
    """Plan the rule's message for each recipient and channel; returns the rows new in the ledger.
    `persons`: the recipients, when the caller resolved them already (`recipients.resolve`)."""
    persons = recipients.resolve(conn, rule, subject_id, payload) if persons is None else persons
    if not persons:
        return 0
    subject, body = render(rule.template, **values)
    created = 0
    for person in persons:
        prefs = preferences.load(conn, person)
        for channel in rule.channels:
            delivery_id = message_id(cause, person, channel)
            if not prefs.allows(rule.category, channel, rule.critical):
                if _insert(conn, delivery_id, person, channel, rule, cause, subject, "", None, "suppressed", now):
                    SUPPRESSED.labels(rule.category, channel).inc()
                continue
            if channel == INBOX:
                created += _deliver_to_inbox(conn, delivery_id, person, rule, cause, subject, body, now, source_event)
                continue
            mail_subject, mail_body, attachment = subject, body, calendar if rule.calendar else None
            if rule.sensitive:  # health, support or a citizen: the e-mail only points to the inbox
                mail_subject, mail_body = render("email_notice", inbox_url=inbox_url())
                attachment = None
            status, when = prefs.email_moment(now, rule.critical)
            created += _insert(conn, delivery_id, person, channel, rule, cause, mail_subject, mail_body, attachment,
                               status, when, created_at=now)
    return created


def _insert(conn, delivery_id, person, channel, rule, cause, subject, body, calendar, status, when,
            created_at=None) -> int:
    return conn.execute(
        "INSERT INTO deliveries (id, person_id, channel, rule, category, critical, cause, subject, body, calendar, "
        "status, next_attempt_at, created_at, sent_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
        "CASE WHEN %s = 'sent' THEN %s END) ON CONFLICT (id) DO NOTHING",
        (delivery_id, person, channel, rule.key, rule.category, rule.critical, cause, subject, body, calendar, status,
         when, created_at or when, status, created_at or when)).rowcount


def _deliver_to_inbox(conn, delivery_id, person, rule, cause, subject, body, now, source_event) -> int:
    if not _insert(conn, delivery_id, person, INBOX, rule, cause, subject, "", None, "sent", now):
        return 0
    conn.execute(
        "INSERT INTO inbox_messages (id, recipient_person, subject, body, source_event, created_at, rule, category, "
        "cause) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
        (delivery_id, person, subject, body, source_event, now, rule.key, rule.category, cause))
    SENT.labels(INBOX).inc()
    return 1


# -- sending (each row in its own transaction) ---------------------------------------------------------
def send_due(conn, contact_of, mailer, now: datetime, limit: int = 50) -> int:
    """Send due e-mails one by one; returns how many were sent."""
    sent = 0
    for _ in range(limit):
        row = conn.execute(
            "SELECT * FROM deliveries WHERE status = 'pending' AND channel = 'email' AND next_attempt_at <= %s "
            "ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED", (now,)).fetchone()
        if row is None:
            conn.commit()
            return sent
        sent += _send_one(conn, row, contact_of, mailer, now)
    return sent


def _send_one(conn, row, contact_of, mailer, now) -> int:
    prefs = preferences.load(conn, str(row["person_id"]))
    if prefs.in_quiet_hours(now):  # a retry (or a changed preference) can fall into quiet hours
        _update(conn, row["id"], "pending", next_attempt_at=prefs.quiet_hours_end(now))
        return 0
    try:
        address = contact_of(str(row["person_id"]))
    except Exception as exc:  # roles unreachable: not the recipient's fault, try again later
        return _failed_attempt(conn, row, now, f"contact lookup: {type(exc).__name__}")
    if not address:
        _update(conn, row["id"], "no_address")
        return 0
    try:
        mailer.send(row["id"], address, row["subject"], row["body"], row["calendar"])
    except Exception as exc:
        return _failed_attempt(conn, row, now, f"smtp: {type(exc).__name__}")
    _update(conn, row["id"], "sent", sent_at=now, attempts=row["attempts"] + 1)
    SENT.labels(EMAIL).inc()
    return 1


def _failed_attempt(conn, row, now, error: str) -> int:
    attempts = row["attempts"] + 1
    if attempts >= MAX_ATTEMPTS:
        _update(conn, row["id"], "failed", attempts=attempts, last_error=error)
        FAILED.labels(row["channel"]).inc()
    else:
        _update(conn, row["id"], "pending", attempts=attempts, last_error=error,
                next_attempt_at=now + backoff(attempts))
        RETRIED.labels(row["channel"]).inc()
    log.warning("e-mail attempt failed", extra={"delivery_id": str(row["id"]), "attempts": attempts,
                                                "error": error})
    return 0


def _update(conn, delivery_id, status, **columns) -> None:
    assignments = ", ".join(f"{c} = %s" for c in columns)
    conn.execute(f"UPDATE deliveries SET status = %s{', ' if columns else ''}{assignments} WHERE id = %s",
                 (status, *columns.values(), delivery_id))
    conn.commit()


def send_digests(conn, contact_of, mailer, now: datetime, limit: int = 20) -> int:
    """One e-mail per person with everything held for their digest that is due."""
    sent = 0
    for _ in range(limit):
        first = conn.execute(
            "SELECT person_id FROM deliveries WHERE status = 'digest' AND next_attempt_at <= %s "
            "ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED", (now,)).fetchone()
        if first is None:
            conn.commit()
            return sent
        person = str(first["person_id"])
        rows = conn.execute("SELECT * FROM deliveries WHERE person_id = %s AND status = 'digest' "
                            "AND next_attempt_at <= %s ORDER BY created_at, id FOR UPDATE", (person, now)).fetchall()
        day = preferences.next_digest(rows[0]["next_attempt_at"] - timedelta(seconds=1)).date()
        digest_id = uuid.uuid5(MESSAGES, f"digest/{person}/{day.isoformat()}")
        subject, body = render("daily_digest", subjects=[r["subject"] for r in rows], inbox_url=inbox_url())
        try:
            address = contact_of(person)
            if address:
                mailer.send(digest_id, address, subject, body, None)
        except Exception as exc:
            log.warning("digest attempt failed", extra={"error": type(exc).__name__})
            conn.execute("UPDATE deliveries SET next_attempt_at = %s WHERE id = ANY(%s)",
                         (now + backoff(1), [r["id"] for r in rows]))
            conn.commit()
            RETRIED.labels(EMAIL).inc()
            continue
        conn.execute("UPDATE deliveries SET status = %s, sent_at = %s WHERE id = ANY(%s)",
                     ("sent" if address else "no_address", now, [r["id"] for r in rows]))
        conn.commit()
        if address:
            SENT.labels(EMAIL).inc()
            sent += 1
    return sent


# -- ops ------------------------------------------------------------------------------------------------
def failed(conn, limit: int = 200, offset: int = 0) -> list[dict]:
    return conn.execute("SELECT id, rule, category, channel, attempts, last_error, created_at FROM deliveries "
                        "WHERE status = 'failed' ORDER BY created_at, id LIMIT %s OFFSET %s", (limit, offset)).fetchall()


def retry(conn, delivery_id, now: datetime) -> bool:
    """Send a failed e-mail again (from the first attempt's backoff on)."""
    return conn.execute("UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = %s "
                        "WHERE id = %s AND status = 'failed'", (now, delivery_id)).rowcount == 1
