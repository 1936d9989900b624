"""Preferences, quiet hours, the daily digest, critical messages, retries and the ops list, in-process
against a real database (a recording mailer stands in for SMTP; the broker tests use a real one)."""
from datetime import timedelta

from services.notifications import ledger, schedule
from tests.support.notification_rules import (AGREEMENT, COORDINATOR, DESCRIPTION, LEADER, PEER, RecordingMailer,
                                              register_volunteer, utc)

T0 = utc(2026, 11, 2, 9, 0)  # 10:00 Copenhagen
ADDRESS = {PEER: "frivillig@example.org", COORDINATOR: None, LEADER: None}


def renewal_due(feed, at):
    feed("volunteer_agreement.renewal_due_raised", f"volunteer_agreement-{AGREEMENT}",
         {"raised_on": "2026-11-02", "term_ends_on": "2026-12-01"}, at)


def expiry_fired(feed, nconn, at):
    feed("volunteer_agreement.activated", f"volunteer_agreement-{AGREEMENT}",
         {"active_from": "2026-06-01", "term_ends_on": "2026-12-01"}, T0)
    assert schedule.fire_due(nconn, at, "region-1084") == 1


def settings(nconn, **values):
    columns = ", ".join(values)
    nconn.execute(f"INSERT INTO person_settings (person_id, {columns}) VALUES (%s, {', '.join(['%s'] * len(values))})",
                  (PEER, *values.values()))
    nconn.commit()


def opt_out(nconn, category, channel):
    nconn.execute("INSERT INTO channel_preferences VALUES (%s, %s, %s, false)", (PEER, category, channel))
    nconn.commit()


def send(nconn, mailer, at):
    return ledger.send_due(nconn, ADDRESS.get, mailer, at) + ledger.send_digests(nconn, ADDRESS.get, mailer, at)


def test_a_switched_off_channel_suppresses_but_a_critical_message_is_sent_anyway(nconn, feed, mailer):
    """Guards the critical rule: agreement expiry reaches the volunteer although they switched the
    category's e-mails and inbox off (renewal reminders of the same category stay suppressed)."""
    register_volunteer(feed)
    opt_out(nconn, "volunteer_agreement", "email")
    opt_out(nconn, "volunteer_agreement", "inbox")
    renewal_due(feed, T0)
    expiry_fired(feed, nconn, utc(2026, 12, 2, 8, 0))
    send(nconn, mailer, utc(2026, 12, 2, 8, 0))
    assert [m["subject"] for m in mailer.sent] == ["Frivilligaftalen er udløbet (2026-12-01)"]
    statuses = nconn.execute("SELECT rule, channel, status FROM deliveries WHERE person_id = %s ORDER BY 1, 2",
                             (PEER,)).fetchall()
    assert [(r["rule"], r["channel"], r["status"]) for r in statuses] == [
        ("volunteer_agreement.expired", "email", "sent"), ("volunteer_agreement.expired", "inbox", "sent"),
        ("volunteer_agreement.renewal_due", "email", "suppressed"),
        ("volunteer_agreement.renewal_due", "inbox", "suppressed")]


def test_quiet_hours_postpone_the_email_to_their_end_in_copenhagen_time(nconn, feed, mailer):
    """Guards quiet hours: planned at 23:30 Copenhagen with quiet hours 22–07, the e-mail leaves at 07:00."""
    register_volunteer(feed)
    settings(nconn, quiet_from="22:00", quiet_until="07:00")
    late_evening = utc(2026, 11, 2, 22, 30)  # 23:30 in Copenhagen (CET)
    renewal_due(feed, late_evening)
    assert send(nconn, mailer, late_evening + timedelta(minutes=1)) == 0
    assert send(nconn, mailer, utc(2026, 11, 3, 5, 59)) == 0  # 06:59 Copenhagen
    assert send(nconn, mailer, utc(2026, 11, 3, 6, 0)) == 1
    assert mailer.sent[0]["to"] == "frivillig@example.org"
    # the inbox is silent: the message is there at once
    assert nconn.execute("SELECT count(*) AS n FROM inbox_messages WHERE recipient_person = %s",
                         (PEER,)).fetchone()["n"] == 1


def test_daily_digest_sends_one_mail_at_seven_but_critical_messages_at_once(nconn, feed, mailer):
    """Guards the digest: two messages in one e-mail at 07:00 Copenhagen; a critical one not held back."""
    register_volunteer(feed)
    settings(nconn, daily_digest=True)
    renewal_due(feed, T0)
    feed("function_description.published", f"function_description-{DESCRIPTION}",
         {"revision": 1, "workplace": "Parkvænget", "support_mode": "group"}, T0)
    feed("volunteer_agreement.activated", f"volunteer_agreement-{AGREEMENT}",
         {"active_from": "2026-05-01", "term_ends_on": "2026-11-01"}, T0)
    assert schedule.fire_due(nconn, T0, "region-1084") == 1  # expired: due 09:00 Copenhagen today
    assert send(nconn, mailer, T0) == 1
    assert [m["subject"] for m in mailer.sent] == ["Frivilligaftalen er udløbet (2026-11-01)"]
    assert send(nconn, mailer, utc(2026, 11, 3, 5, 59)) == 0  # 06:59 Copenhagen
    assert send(nconn, mailer, utc(2026, 11, 3, 6, 0)) == 1
    digest = mailer.sent[1]
    assert digest["subject"] == "Dine beskeder i dag (2)"
    assert "Frivilligaftalen skal fornyes" in digest["body"] and "Ny version af funktionsbeskrivelsen" in digest["body"]
    assert send(nconn, mailer, utc(2026, 11, 4, 6, 0)) == 0


def test_smtp_failures_are_retried_with_backoff_then_listed_for_ops_and_retried(nconn, feed):
    register_volunteer(feed)
    renewal_due(feed, T0)
    failing = RecordingMailer(fail_times=ledger.MAX_ATTEMPTS)
    moment = T0
    for attempt in range(1, ledger.MAX_ATTEMPTS + 1):
        assert ledger.send_due(nconn, ADDRESS.get, failing, moment) == 0
        row = nconn.execute("SELECT status, attempts, next_attempt_at FROM deliveries WHERE channel = 'email' "
                            "AND person_id = %s", (PEER,)).fetchone()
        assert row["attempts"] == attempt
        if attempt < ledger.MAX_ATTEMPTS:
            assert row["next_attempt_at"] - moment == ledger.backoff(attempt)
            moment = row["next_attempt_at"]
    assert row["status"] == "failed"
    [failed] = ledger.failed(nconn)
    assert failed["rule"] == "volunteer_agreement.renewal_due" and "smtp" in failed["last_error"]
    assert ledger.retry(nconn, failed["id"], moment)
    nconn.commit()
    assert ledger.send_due(nconn, ADDRESS.get, failing, moment) == 1


def test_a_recipient_without_an_address_gets_the_inbox_only(nconn, feed, mailer):
    register_volunteer(feed)
    renewal_due(feed, T0)
    send(nconn, mailer, T0)
    assert [m["to"] for m in mailer.sent] == ["frivillig@example.org"]
    assert nconn.execute("SELECT status FROM deliveries WHERE channel = 'email' AND person_id = %s",
                         (COORDINATOR,)).fetchone()["status"] == "no_address"


def test_peer_admin_lists_failed_emails_and_retries_them(nconn, feed, monkeypatch):
    """Ops see what kept failing (rule and error, no recipient or content) and send it again."""
    from typer.testing import CliRunner

    from admin.cli import app

    register_volunteer(feed)
    renewal_due(feed, T0)
    nconn.execute("UPDATE deliveries SET status = 'failed', attempts = 5, last_error = 'smtp: ConnectionRefusedError' "
                  "WHERE channel = 'email'")
    nconn.commit()
    monkeypatch.setenv("NOTIFICATIONS_DATABASE_URL", nconn.info.dsn)
    monkeypatch.setenv("COLUMNS", "250")
    listed = CliRunner().invoke(app, ["notifications", "failed"])
    assert listed.exit_code == 0 and "volunteer_agreement.renewal_due" in listed.output
    assert "example.org" not in listed.output
    retried = CliRunner().invoke(app, ["notifications", "retry", "--all"])
    assert retried.exit_code == 0, retried.output
    assert nconn.execute("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'").fetchone()["n"] == 2
