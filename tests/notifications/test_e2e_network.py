"""The network's and roles' rules through the broker, as they run: real roles, courses, network and
notifications processes with their relays, RabbitMQ, PostgreSQL and a real SMTP server on loopback.

- A network with a paid and a volunteer peer: a supervision meeting's invitation (an iCalendar entry
  per occurrence), its 24 h reminder, a moved and a cancelled occurrence, attendance recorded.
- The volunteer's tenth counted activity (the network meeting they attended) meets the statement rule:
  roles emits `volunteer.statement_eligibility_reached` and the coordinator is e-mailed, at the
  address the coordinator recorded for themselves in roles (paid peers and staff have one too now).
- An erased peer's messages and rows do not come back when notifications is rebuilt from the feeds."""
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from runtime import db, eventstore
from runtime.eventstore import NewEvent
from services.notifications import projections
from tests.notifications.smtp import SmtpServer
from tests.support.agreement_statement import publish_as_courses
from tests.support.http import ok
from tests.support.instance import ROOT, Instance, wait_until
from tests.support.notification_rules import NATIONAL_RULES

SERVICES = ("roles", "courses", "network", "notifications")
AGREEMENT = {"project": "Bro til hverdagslivet", "name": "Sofie Frivillig", "address": "Stationsvej 3",
             "postcode": "2840", "city": "Holte", "phone": "+45 20 30 40 50", "email": "sofie@example.dk",
             "cpr": "010190-1234", "start_date": "2025-01-06", "criminal_record_check": "clean"}


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("notifications-network")
    smtp = SmtpServer(workdir)
    created = Instance(services=SERVICES, workdir=workdir, environment={
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port), "NOTIFICATIONS_INTERVAL_SECONDS": "0.3"}).create()
    created.smtp, created.coordinator = smtp, str(uuid.uuid4())
    try:
        for service in SERVICES:
            created.start_service(service)
            if service != "notifications":
                created.start_relay(service)
        yield created
    finally:
        created.destroy()
        smtp.stop()


def as_person(instance, person, role="peer"):
    token = instance.token(role, subject=person)
    return lambda method, service, path, **kw: instance.call(method, service, path, token=token, **kw)


def register_peer(instance, kind) -> str:
    peer_id = str(uuid.uuid4())
    ok(as_person(instance, instance.coordinator, "coordinator")("POST", "roles", "/peers", json={
        "peer_id": peer_id, "kind": kind, "title": "frivillig peer" if kind == "volunteer" else "peer-medarbejder",
        "name": "Navn Efternavn", "workplace": "Parkvænget"}), 201)
    return peer_id


def wait_known_to_network(instance, *peers) -> None:
    def known():
        with db.connect(instance.database_url("network")) as conn:
            return len(conn.execute("SELECT id FROM network_peers WHERE id = ANY(%s::uuid[])",
                                    (list(peers),)).fetchall()) == len(peers)
    wait_until(known, timeout=60, message="network knows the peers roles registered")


def network_of(instance, facilitator, *members) -> str:
    coordinator = as_person(instance, instance.coordinator, "coordinator")
    created = ok(coordinator("POST", "network", "/networks", json={
        "name": "Peer-netværk Parkvænget", "purpose": "Sparring og vidensdeling", "kind": "workplace",
        "facilitator_peer_ids": [facilitator]}), 201)
    for member in members:
        ok(as_person(instance, member)("POST", "network", f"/networks/{created['id']}/members", json={}), 201)
    return created["id"]


def mails(instance, to, starting=""):
    return [m for m in instance.smtp.messages(to=to) if m["Subject"].startswith(starting)]


def entries(message) -> list:
    [attachment] = [a for a in message.iter_attachments() if a.get_content_type() == "text/calendar"]
    return list(Calendar.from_ical(attachment.get_content()).walk("VEVENT"))


def counted(instance, agreement_id):
    answer = ok(as_person(instance, instance.coordinator, "coordinator")(
        "GET", "roles", f"/volunteer-agreements/{agreement_id}/eligibility"))
    return answer["activities"], answer["peer_education_completed"], answer["eligible"]


def companionship(instance, volunteer, held_at):
    activity = str(uuid.uuid4())
    publish_as_courses(instance, f"peer_activity-{activity}", [NewEvent("peer_activity.session_held", {
        "activity_id": activity, "peer_id": volunteer, "kind": "companionship", "course_type": "support_course",
        "course_id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()), "duration_minutes": 60,
        "held_at": held_at.isoformat()})])


def test_network_meetings_attendance_and_statement_eligibility_reach_mailbox_and_inbox(instance):
    coordinator = as_person(instance, instance.coordinator, "coordinator")
    paid, volunteer = register_peer(instance, "paid"), register_peer(instance, "volunteer")
    # contact data: the paid peer and the coordinator record their own address in roles (sealed there)
    ok(as_person(instance, paid)("PUT", "roles", f"/persons/{paid}/contact", json={"email": "peer@example.dk"}))
    ok(coordinator("PUT", "roles", f"/persons/{instance.coordinator}/contact", json={"email": "koord@example.dk"}))
    refused = as_person(instance, volunteer)("PUT", "roles", f"/persons/{paid}/contact", json={"email": "x@example.dk"})
    assert refused.status_code == 403
    bad = as_person(instance, paid)("PUT", "roles", f"/persons/{paid}/contact", json={"email": "ikke en adresse"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "email"
    with db.connect(instance.database_url("roles")) as conn:
        stored = conn.execute("SELECT email FROM person_contacts WHERE person_id = %s", (paid,)).fetchone()["email"]
    assert stored.startswith("pii:") and "peer@example.dk" not in stored

    # the volunteer: active for 200 days, the peer education completed and 9 activities (from courses)
    agreement = ok(coordinator("POST", "roles", "/volunteer-agreements", json={
        **AGREEMENT, "volunteer_id": volunteer, "coordinator_id": instance.coordinator}), 201)["id"]
    began = (datetime.now(timezone.utc) - timedelta(days=200)).date().isoformat()
    path = f"/volunteer-agreements/{agreement}"
    own = as_person(instance, volunteer)
    ok(own("POST", "roles", f"{path}/signatures", json={"party": "volunteer", "on": began}))
    ok(own("POST", "roles", f"{path}/confidentiality", json={"on": began}))
    ok(coordinator("POST", "roles", f"{path}/signatures", json={"party": "coordinator", "on": began}))
    publish_as_courses(instance, f"peer_education-{uuid.uuid4()}", [NewEvent("peer_education.completed", {
        "course_id": str(uuid.uuid4()), "participant_id": str(uuid.uuid4()), "peer_id": volunteer,
        "completed_on": began, "sessions_attended": 5, "sessions_held": 5})])
    for n in range(9):
        companionship(instance, volunteer, datetime.now(timezone.utc) - timedelta(days=150 - n))
    wait_until(lambda: counted(instance, agreement) == (9, True, False), timeout=90,
               message="roles counts the courses' facts")

    wait_known_to_network(instance, paid, volunteer)
    network = network_of(instance, paid, volunteer)
    facilitator = as_person(instance, paid)

    # a network meeting held two hours ago: both attended; the volunteer's 10th activity
    past = (datetime.now(timezone.utc) - timedelta(hours=3)).replace(microsecond=0)
    held = ok(facilitator("POST", "network", "/meetings", json={
        "kind": "network_meeting", "title": "Netværksmøde om recovery", "place": "Peer-huset", "network_id": network,
        "facilitator_peer_ids": [paid],
        "schedule": {"frequency": "once", "starts_at": past.isoformat(), "duration_minutes": 60}}), 201)
    first_past = held["occurrences"][0]["occurrence"]
    ok(facilitator("POST", "network", f"/meetings/{held['id']}/occurrences/{first_past}/held", json={"attendance": [
        {"peer_id": paid, "status": "present"}, {"peer_id": volunteer, "status": "present"}]}))

    # supervision on equal terms, weekly, three times; the first 24 h and a few seconds ahead
    starts = (datetime.now(timezone.utc) + timedelta(hours=24, seconds=8)).replace(microsecond=0)
    meeting = ok(facilitator("POST", "network", "/meetings", json={
        "kind": "group_supervision", "title": "Supervision på lige fod", "place": "Mødelokale 2",
        "network_id": network, "facilitator_peer_ids": [paid],
        "schedule": {"frequency": "weekly", "count": 3, "starts_at": starts.isoformat(), "duration_minutes": 90}}), 201)
    first, second, third = (o["occurrence"] for o in meeting["occurrences"])
    occurrence = f"/meetings/{meeting['id']}/occurrences"
    moved = starts + timedelta(days=8)
    ok(facilitator("PUT", "network", f"{occurrence}/{second}/schedule", json={
        "starts_at": moved.isoformat(), "ends_at": (moved + timedelta(minutes=90)).isoformat(), "place": "Salen"}))
    ok(facilitator("POST", "network", f"{occurrence}/{third}/cancel", json={"reason": "holiday"}))
    note = "Jeg har brug for en pause efter en time"
    ok(as_person(instance, volunteer)("POST", "network", f"{occurrence}/{first}/sign-ups", json={"note": note}), 201)

    expected = ["Aflyst: Supervision på lige fod", "Dit fremmøde er registreret: Netværksmøde",
                "Invitation: Netværksmøde", "Invitation: Supervision på lige fod",
                "Påmindelse: Supervision på lige fod om 24 timer", "Ændret: Supervision på lige fod er flyttet til"]

    def subjects(to):  # of the network's rules (the volunteer also hears of their agreement and education)
        return sorted(e for m in instance.smtp.messages(to=to) for e in expected if m["Subject"].startswith(e))

    for address in ("peer@example.dk", "sofie@example.dk"):
        wait_until(lambda: subjects(address) == expected, timeout=120,
                   message=f"the network's messages to {address}: {subjects(address)}")
    wait_until(lambda: mails(instance, "sofie@example.dk", "Du er tilmeldt: Supervision på lige fod"), timeout=60,
               message="the sign-up confirmed")
    [signed_up] = entries(mails(instance, "sofie@example.dk", "Du er tilmeldt")[0])
    assert str(signed_up["UID"]) == f"{meeting['id']}-{first}@network.{instance.instance_id}"
    [invitation] = mails(instance, "sofie@example.dk", "Invitation: Supervision")
    invited = entries(invitation)
    uids = [str(e["UID"]) for e in invited]
    assert uids == [f"{meeting['id']}-{o}@network.{instance.instance_id}" for o in (first, second, third)]
    assert [str(e["SUMMARY"]) for e in invited] == ["Supervision på lige fod"] * 3
    [changed] = entries(mails(instance, "sofie@example.dk", "Ændret")[0])
    assert (str(changed["UID"]), changed["SEQUENCE"], str(changed["LOCATION"])) == (uids[1], 1, "Salen")
    assert changed.decoded("dtstart") == moved
    [cancelled] = entries(mails(instance, "sofie@example.dk", "Aflyst")[0])
    assert (str(cancelled["UID"]), str(cancelled["STATUS"])) == (uids[2], "CANCELLED")
    [reminded] = entries(mails(instance, "peer@example.dk", "Påmindelse")[0])
    assert str(reminded["UID"]) == uids[0]
    # the network's calendar feed has the same entries: a subscriber's calendar updates, never duplicates
    feed = Calendar.from_ical(as_person(instance, volunteer)("GET", "network", f"/calendars/peers/{volunteer}.ics").text)
    assert set(uids) <= {str(e["UID"]) for e in feed.walk("VEVENT")}

    # statement eligibility: once, to the coordinator's own address; counts only, no name
    eligible = "En frivillig peer kan få en udtalelse"
    wait_until(lambda: mails(instance, "koord@example.dk", eligible), timeout=90, message="the coordinator told")
    assert counted(instance, agreement) == (10, True, True)
    [told] = mails(instance, "koord@example.dk", eligible)
    body = told.get_body().get_content()
    assert "10 frivillige aktiviteter" in body and "Sofie" not in body and "Navn" not in body
    companionship(instance, volunteer, datetime.now(timezone.utc))  # an 11th: reached already, told once
    wait_until(lambda: counted(instance, agreement)[0] == 11, timeout=60, message="the 11th activity counted")
    inbox = ok(coordinator("GET", "notifications", "/inbox"))
    assert [m["rule"] for m in inbox].count("volunteer.statement_eligibility_reached") == 1
    assert len(mails(instance, "koord@example.dk", eligible)) == 1
    all_text = "".join(m.get_body().get_content() + m["Subject"] for m in instance.smtp.messages())
    for free_text in ("Netværksmøde om recovery", "Navn Efternavn", "Sofie Frivillig", note):
        assert free_text not in all_text  # titles and names stay out of e-mails

    # the rules as data: those of roles, courses and network are live; a national one waits only for its
    # branch's contracts (named in `missing_contracts`)
    rules = ok(coordinator("GET", "notifications", "/rules"))
    waiting = {r["key"]: r["missing_contracts"] for r in rules if r["awaiting_contract"]}
    assert set(waiting) <= NATIONAL_RULES and all(waiting.values()), waiting


def publish_as_network(instance, stream, events):
    """Append contract-valid events to the network store, as the network service does; its relay publishes them."""
    metadata = eventstore.Metadata("network", instance.instance_id, "service:network", uuid.uuid4())
    with db.connect(instance.database_url("network")) as conn:
        eventstore.append(conn, stream, events, None, metadata)
        conn.commit()


def test_an_erased_peers_messages_do_not_come_back_from_a_late_notice_or_a_rebuild(instance):
    """The feeds are separate queues: a network notice naming the peer, published before the network
    applied the erasure, arrives here after roles' `person.erased`; and a rebuild replays the feeds one
    after the other. Without the forgotten-person record, the late notice would bring back the erased
    peer's invitee row and a new invitation (planned again: their ledger rows are gone)."""
    peer, other = register_peer(instance, "paid"), register_peer(instance, "paid")
    ok(as_person(instance, peer)("PUT", "roles", f"/persons/{peer}/contact", json={"email": "glemt@example.dk"}))
    wait_known_to_network(instance, peer, other)
    network = network_of(instance, other, peer)
    starts = (datetime.now(timezone.utc) + timedelta(days=5)).replace(microsecond=0)
    meeting = ok(as_person(instance, other)("POST", "network", "/meetings", json={
        "kind": "sparring_meeting", "title": "Sparring", "place": "Peer-huset", "network_id": network,
        "facilitator_peer_ids": [other],
        "schedule": {"frequency": "once", "starts_at": starts.isoformat(), "duration_minutes": 60}}), 201)
    mine = as_person(instance, peer)
    wait_until(lambda: len(ok(mine("GET", "notifications", "/inbox"))) == 1, timeout=60, message="invited")
    wait_until(lambda: mails(instance, "glemt@example.dk"), timeout=60, message="the invitation e-mailed")

    ok(instance.call("POST", "roles", f"/persons/{peer}/erasure", roles=("admin",), json={}))
    wait_until(lambda: ok(mine("GET", "notifications", "/inbox")) == [], timeout=60, message="forgotten")
    assert instance.call("GET", "roles", f"/persons/{peer}/contact", roles=("admin",)).status_code == 404

    occurrence = meeting["occurrences"][0]["occurrence"]
    later = starts + timedelta(hours=2)
    publish_as_network(instance, f"meeting_notice-{meeting['id']}", [NewEvent("meeting_notice.changed", {
        "meeting_id": meeting["id"], "occurrence": occurrence, "starts_at": later.isoformat(),
        "ends_at": (later + timedelta(hours=1)).isoformat(), "place": "Salen",
        "invitee_peer_ids": sorted([peer, other])})])
    theirs = as_person(instance, other)
    wait_until(lambda: any(m["rule"] == "network.meeting_changed" for m in ok(theirs("GET", "notifications", "/inbox"))),
               timeout=60, message="the late notice applied (the other invitee told)")
    assert ok(mine("GET", "notifications", "/inbox")) == []

    def no_rows_of_the_erased_peer():
        with db.connect(instance.database_url("notifications")) as conn:
            for table, column in projections.PERSON_ROWS:
                left = conn.execute(f"SELECT count(*) AS n FROM {table} WHERE {column}::text = %s", (peer,)).fetchone()
                assert left["n"] == 0, table
            assert conn.execute("SELECT count(*) AS n FROM known_meeting_invitees WHERE person_id = %s",
                                (other,)).fetchone()["n"] == 1  # the other invitee is known (rebuilt, too)

    no_rows_of_the_erased_peer()
    rebuilt = subprocess.run([sys.executable, "-m", "admin.cli", "rebuild", "notifications"], cwd=ROOT,
                             env=instance.env(COLUMNS="200"), capture_output=True, text=True, timeout=300)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "events replayed" in rebuilt.stdout
    no_rows_of_the_erased_peer()
    assert ok(mine("GET", "notifications", "/inbox")) == []
    assert len(mails(instance, "glemt@example.dk")) == 1  # the invitation before the erasure, nothing after
