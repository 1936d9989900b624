"""The notifications service as it runs: real roles, courses and notifications processes, the relays,
RabbitMQ, PostgreSQL and a real SMTP server on loopback. Rules driven by the services' own events
through the broker; the mailbox and the inbox read back; kill -9 mid-batch and two replicas."""
import signal
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from runtime import db
from services.notifications import ledger
from services.notifications.rules import BY_KEY
from tests.notifications.smtp import SmtpServer, smtp_server  # noqa: F401  (fixture)
from tests.support.instance import NAMEKO, Instance, Process, free_port, wait_until

VOLUNTEER, LEADER, COORDINATOR = (str(uuid.uuid4()) for _ in range(3))
EMAIL = "sofie@example.dk"
AGREEMENT = {"volunteer_id": VOLUNTEER, "coordinator_id": COORDINATOR, "project": "Bro til hverdagslivet",
             "name": "Sofie Frivillig", "address": "Stationsvej 3", "postcode": "2840", "city": "Holte",
             "phone": "+45 20 30 40 50", "email": EMAIL, "cpr": "010190-1234", "start_date": "2026-06-01",
             "criminal_record_check": "clean"}


@pytest.fixture
def instance(tmp_path):
    created = Instance(services=("roles", "courses", "notifications"), workdir=tmp_path).create()
    yield created
    created.destroy()


def start(instance, *services):
    for service in services:
        instance.start_service(service)
        if service != "notifications":
            instance.start_relay(service)


def register_volunteer(instance, description_id=None):
    coordinator = instance.token("coordinator", subject=COORDINATOR)
    peer = {"peer_id": VOLUNTEER, "kind": "volunteer", "title": "frivillig peer", "name": "Sofie Frivillig",
            "workplace": "Bro til hverdagslivet", "leader_id": LEADER, "function_description_id": description_id}
    assert instance.call("POST", "roles", "/peers", token=coordinator, json=peer).status_code == 201
    drafted = instance.call("POST", "roles", "/volunteer-agreements", token=coordinator, json=AGREEMENT)
    assert drafted.status_code == 201, drafted.text
    return drafted.json()["id"]


def inbox(instance, person, role="peer"):
    return instance.call("GET", "notifications", "/inbox", token=instance.token(role, subject=person)).json()


def test_rules_through_the_broker_reach_the_mailbox_and_the_inbox(instance, smtp_server):
    start(instance, "roles", "courses", "notifications")
    coordinator = instance.token("coordinator", subject=COORDINATOR)
    description = instance.call("POST", "roles", "/function-descriptions", json={"workplace": "Parkvænget"}).json()
    register_volunteer(instance, description["id"])
    path = f"/function-descriptions/{description['id']}"
    instance.call("PATCH", "roles", f"{path}/local-fields", json={"fields": {
        "organisational_placement": "Socialpsykiatrien", "nearest_leader": "Lene", "mentor": "Mette",
        "internal_partners": ["Teamet"]}})
    instance.call("PUT", "roles", f"{path}/support-mode", json={"support_mode": "both"})
    assert instance.call("POST", "roles", f"{path}/publish", json={}).status_code == 200

    # courses: the volunteer facilitates; a session 24 h + a few seconds ahead reminds almost at once
    course = instance.call("POST", "courses", "/group-courses", token=coordinator, json={
        "kind": "recovery_group", "title": "Recoverygruppe", "capacity": 8,
        "completion_rule": {"min_sessions_attended": 1, "min_attendance_percent": 50}}).json()
    added = instance.call("POST", "courses", f"/group-courses/{course['id']}/facilitators", token=coordinator,
                          json={"peer_id": VOLUNTEER})
    assert added.status_code == 200, added.text
    starts = datetime.now(timezone.utc) + timedelta(hours=24, seconds=4)
    scheduled = instance.call("POST", "courses", f"/group-courses/{course['id']}/sessions", token=coordinator, json={
        "title": "Workshop 1", "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "place": "Mødelokale 2"})
    assert scheduled.status_code == 201, scheduled.text

    def subjects():
        return sorted(m["Subject"] for m in smtp_server.messages(to=EMAIL))

    expected = ["Du er med til at holde forløbet: Recoverygruppe", "Ny version af funktionsbeskrivelsen: Parkvænget",
                "Påmindelse: Workshop 1 om 24 timer"]
    wait_until(lambda: subjects() == expected, timeout=60, message=f"mails {expected}, got {subjects()}")
    reminder = next(m for m in smtp_server.messages(to=EMAIL) if m["Subject"].startswith("Påmindelse"))
    [calendar] = list(reminder.iter_attachments())
    assert calendar.get_content_type() == "text/calendar" and "Mødelokale 2" in calendar.get_content()
    assert all(m["Message-ID"].endswith("@peer.example>") for m in smtp_server.messages())

    # the inbox: own messages only; read, unread count, archive
    mine = inbox(instance, VOLUNTEER)
    assert sorted(m["subject"] for m in mine) == expected
    assert [m["subject"] for m in inbox(instance, LEADER, "leader")] == [expected[1]]
    volunteer = instance.token("peer", subject=VOLUNTEER)
    count = instance.call("GET", "notifications", "/inbox/unread-count", token=volunteer).json()
    assert count == {"unread": 3}
    assert instance.call("POST", "notifications", f"/inbox/{mine[0]['id']}/read", token=volunteer).status_code == 200
    assert instance.call("GET", "notifications", "/inbox/unread-count", token=volunteer).json() == {"unread": 2}
    leader = instance.token("leader", subject=LEADER)
    foreign = instance.call("POST", "notifications", f"/inbox/{mine[1]['id']}/archive", token=leader)
    assert foreign.status_code == 404 and foreign.headers["Content-Type"] == "application/problem+json"
    assert instance.call("POST", "notifications", f"/inbox/{mine[1]['id']}/archive", token=volunteer).status_code == 200
    assert len(inbox(instance, VOLUNTEER)) == 2

    # the rules as data; preferences validated with a problem document
    rules = instance.call("GET", "notifications", "/rules", token=coordinator).json()
    assert {r["key"] for r in rules} == set(BY_KEY)
    bad = instance.call("PUT", "notifications", "/preferences", token=volunteer,
                        json={"channels": [{"category": "gossip", "channel": "email", "enabled": False}],
                              "quiet_hours": {"starts": "25:00", "ends": "07:00"}})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"channels.0.category", "quiet_hours.starts"}
    chosen = {"channels": [{"category": "courses", "channel": "email", "enabled": False}],
              "quiet_hours": {"starts": "22:00", "ends": "07:00"}, "daily_digest": True, "newsletter": True}
    assert instance.call("PUT", "notifications", "/preferences", token=volunteer, json=chosen).json() == chosen
    assert instance.call("GET", "notifications", "/preferences", token=volunteer).json() == chosen
    metrics = instance.call("GET", "notifications", "/metrics", roles=("admin",)).text
    assert 'notifications_sent_total{channel="email"} 3.0' in metrics


def test_agreement_rules_and_erasure_through_the_broker(instance, smtp_server):
    """Renewal due, expiry (due while nobody ran: sent at once, critical) and a pause (sensitive, to the
    coordinator) from the roles service's own events; then roles erases the volunteer and their
    messages are forgotten here."""
    start(instance, "roles", "notifications")
    agreement_id = register_volunteer(instance)
    volunteer, coordinator = (instance.token(r, subject=s) for r, s in (("peer", VOLUNTEER),
                                                                         ("coordinator", COORDINATOR)))
    path = f"/volunteer-agreements/{agreement_id}"
    today = datetime.now(timezone.utc).date()
    began = (today - timedelta(days=190)).isoformat()  # the half year ended a week ago
    assert instance.call("POST", "roles", f"{path}/signatures", token=volunteer,
                         json={"party": "volunteer", "on": began}).status_code == 200
    assert instance.call("POST", "roles", f"{path}/confidentiality", token=volunteer, json={"on": began}).status_code == 200
    active = instance.call("POST", "roles", f"{path}/signatures", token=coordinator,
                           json={"party": "coordinator", "on": began}).json()
    assert active["status"] == "active", active
    term_ends_on = datetime.fromisoformat(active["term_ends_on"]).date()
    raised = instance.call("POST", "roles", "/volunteer-agreements/renewal-reminders", token=coordinator,
                           json={"on": (term_ends_on - timedelta(days=10)).isoformat()})
    assert raised.status_code == 200 and len(raised.json()) == 1, raised.text
    paused = instance.call("POST", "roles", f"{path}/pause", token=volunteer,
                           json={"on": today.isoformat(), "pause_from": (today + timedelta(days=3)).isoformat()})
    assert paused.status_code == 200, paused.text

    expected = [f"Frivilligaftalen er udløbet ({term_ends_on})", f"Frivilligaftalen skal fornyes inden {term_ends_on}"]
    wait_until(lambda: sorted(m["Subject"] for m in smtp_server.messages(to=EMAIL)) == expected, timeout=60,
               message="renewal and expiry mailed to the volunteer")
    told = wait_until(lambda: (lambda rows: rows if len(rows) == 3 else None)(inbox(instance, COORDINATOR, "coordinator")),
                      message="the coordinator's inbox")
    assert sorted(m["rule"] for m in told) == ["volunteer.pause_announced", "volunteer_agreement.expired",
                                               "volunteer_agreement.renewal_due"]
    assert len(inbox(instance, VOLUNTEER)) == 2

    erased = instance.call("POST", "roles", f"/persons/{VOLUNTEER}/erasure", roles=("admin",),
                           json={"basis": "data_subject_request"})
    assert erased.status_code == 200, erased.text
    wait_until(lambda: inbox(instance, VOLUNTEER) == [], message="the volunteer's messages forgotten")
    with db.connect(instance.database_url("notifications")) as conn:
        assert conn.execute("SELECT count(*) AS n FROM deliveries WHERE person_id = %s", (VOLUNTEER,)).fetchone()["n"] == 0
    assert len(inbox(instance, COORDINATOR, "coordinator")) == 3


# -- exactly once: kill -9 mid-batch, two replicas ------------------------------------------------------
BATCH = 24


def seed_batch(instance):
    """BATCH due e-mails to the volunteer, planned as a rule plans them (each its own cause)."""
    rule = BY_KEY["volunteer_agreement.renewal_due"]
    with db.connect(instance.database_url("notifications")) as conn:
        conn.execute("INSERT INTO known_agreements (id, volunteer_id, coordinator_id, status) VALUES (%s, %s, %s, 'active')",
                     (str(uuid.uuid4()), VOLUNTEER, COORDINATOR))
        agreement = conn.execute("SELECT id FROM known_agreements").fetchone()["id"]
        for n in range(BATCH):
            ledger.plan(conn, rule, f"test-cause-{n}", str(agreement), {}, {"term_ends_on": f"2026-12-{n + 1:02d}"},
                        datetime.now(timezone.utc))
        conn.commit()
        return conn.execute("SELECT id FROM deliveries WHERE channel = 'email' AND person_id = %s",
                            (VOLUNTEER,)).fetchall()


def ledger_statuses(instance):
    with db.connect(instance.database_url("notifications")) as conn:
        return [r["status"] for r in conn.execute("SELECT status FROM deliveries WHERE channel = 'email' "
                                                  "AND person_id = %s", (VOLUNTEER,)).fetchall()]


@pytest.fixture
def slow_smtp(tmp_path, monkeypatch):
    server = SmtpServer(tmp_path, delay=0.15)  # a batch takes seconds: long enough to be killed in
    monkeypatch.setenv("SMTP_PORT", str(server.port))
    monkeypatch.setenv("NOTIFICATIONS_INTERVAL_SECONDS", "0.2")
    yield server
    server.stop()


def test_kill_9_mid_batch_and_restart_sends_each_message_once(instance, slow_smtp):
    """Guards the claim-send-record protocol: a kill -9 while a batch is being sent, and a restart,
    leave every message sent, none twice (except, by the documented guarantee, the one whose SMTP
    acceptance raced the kill: same Message-ID, so it is recognisable as one message)."""
    start(instance, "roles")
    register_volunteer(instance)
    seed_batch(instance)
    instance.start_service("notifications")
    wait_until(lambda: len(slow_smtp.messages()) >= 6, timeout=60, message="the batch under way")
    instance.processes["notifications"].kill(signal.SIGKILL)
    assert len(slow_smtp.messages()) < BATCH
    instance.start_service("notifications")
    wait_until(lambda: len(slow_smtp.copies_per_message_id()) == BATCH, timeout=90, message="the rest of the batch")
    assert ledger_statuses(instance) == ["sent"] * BATCH
    copies = slow_smtp.copies_per_message_id()
    assert sum(copies.values()) - BATCH <= 1 and max(copies.values()) <= 2


def test_two_replicas_send_each_message_exactly_once(instance, slow_smtp):
    """Guards SKIP LOCKED claims: two notifications processes on one ledger never send a copy twice."""
    start(instance, "roles")
    register_volunteer(instance)
    seed_batch(instance)
    instance.start_service("notifications", wait=False)
    port = free_port()
    replica = Process("notifications-2", [NAMEKO, "run", "--config", "deploy/nameko.yaml",
                                          "services.notifications.service"],
                      instance.env(WEB_SERVER_ADDRESS=f"127.0.0.1:{port}"),
                      instance.logdir / "notifications-2.log").start()
    instance.processes["notifications-2"] = replica
    instance.wait_ready("notifications")
    wait_until(lambda: len(slow_smtp.messages()) == BATCH, timeout=90, message="the batch sent")
    wait_until(lambda: ledger_statuses(instance) == ["sent"] * BATCH, timeout=10, message="the ledger")
    assert set(slow_smtp.copies_per_message_id().values()) == {1}
    assert {m["To"] for m in slow_smtp.messages()} == {EMAIL}
    # both replicas took part (each claims one row at a time)
    logs = instance.processes["notifications"].log() + replica.log()
    assert "Traceback" not in logs
