"""The network service's rules in-process on a real database: invitations, changes and cancellations
to the invitees with calendar entries matching the network's feeds, reminders 48 h and 24 h before
each occurrence (moved, dropped), attendance; and an event about an erased person applied after the
erasure (another feed) brings nothing back."""
import uuid
from datetime import timedelta

import pytest
from icalendar import Calendar

from services.notifications import projections, schedule
from services.notifications.rules import BY_KEY
from tests.support.notification_rules import emails, inbox, utc

PEER, OTHER, LATE = (str(uuid.uuid4()) for _ in range(3))
MEETING, NETWORK = str(uuid.uuid4()), str(uuid.uuid4())
T0 = utc(2026, 11, 2, 9, 0)  # a Monday, 10:00 in Copenhagen
FIRST = utc(2026, 11, 12, 9, 0)  # Thursday 10:00 Copenhagen
STREAM = f"meeting_notice-{MEETING}"


def key(moment) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def occurrence(moment, minutes=120):
    return {"occurrence": key(moment), "starts_at": moment.isoformat(),
            "ends_at": (moment + timedelta(minutes=minutes)).isoformat()}


def schedule_sparring(feed, invitees=(PEER, OTHER), weeks=2):
    return feed("meeting_notice.scheduled", STREAM, {
        "meeting_id": MEETING, "network_id": NETWORK, "kind": "sparring_meeting", "title": "Sparring om grænser",
        "place": "Peer-huset", "occurrences": [occurrence(FIRST + timedelta(weeks=n)) for n in range(weeks)],
        "invitee_peer_ids": list(invitees)}, T0)


def entries(calendar: str) -> list[dict]:
    """The calendar's entries as {property: text} (parsed: iCalendar folds long lines)."""
    return [{k: str(v) for k, v in e.items()} | {"DTSTART": e.decoded("dtstart").isoformat()}
            for e in Calendar.from_ical(calendar).walk("VEVENT")]


def reminders(conn):
    return conn.execute("SELECT key, due_at, status FROM reminders WHERE rule = 'network.meeting_reminder' "
                        "ORDER BY due_at, key").fetchall()


def test_invitation_to_every_invitee_with_the_network_feeds_calendar_entries(nconn, feed):
    schedule_sparring(feed)
    invited = inbox(nconn)
    assert [(m["rule"], m["person"]) for m in invited] == sorted(
        [("network.meeting_invitation", PEER), ("network.meeting_invitation", OTHER)], key=lambda r: r[1])
    assert invited[0]["subject"] == "Invitation: Sparringsmøde 12.11.2026 kl. 10:00"
    assert "2 gange fra 12.11.2026 kl. 10:00, Peer-huset" in invited[0]["body"]
    mail = emails(nconn, person=PEER)[0]
    assert "Sparring om grænser" not in mail["body"] + mail["subject"]  # the title is free text: not e-mailed
    first, second = entries(mail["calendar"])
    assert first["UID"] == f"{MEETING}-{key(FIRST)}@network.region-1084"  # the network feed's UID
    assert first["SUMMARY"] == "Sparringsmøde" and first["LOCATION"] == "Peer-huset"
    assert second["DTSTART"] == (FIRST + timedelta(weeks=1)).isoformat()
    assert "Sparring om grænser" not in mail["calendar"]


def test_reminders_48_and_24_hours_before_each_occurrence_moved_and_dropped(nconn, feed):
    schedule_sparring(feed)
    assert [r["due_at"] for r in reminders(nconn)] == [
        FIRST - timedelta(hours=48), FIRST - timedelta(hours=24),
        FIRST + timedelta(weeks=1, hours=-48), FIRST + timedelta(weeks=1, hours=-24)]
    moved = FIRST + timedelta(days=1)
    feed("meeting_notice.changed", STREAM, {"meeting_id": MEETING, "occurrence": key(FIRST), **{
        k: v for k, v in occurrence(moved).items() if k != "occurrence"}, "place": "Biblioteket",
        "invitee_peer_ids": [PEER]}, T0)
    changed = inbox(nconn, PEER)[0]
    assert changed["subject"] == "Ændret: Sparringsmøde er flyttet til 13.11.2026 kl. 10:00"
    [entry] = entries(emails(nconn, rule="network.meeting_changed")[0]["calendar"])
    assert (entry["SEQUENCE"], entry["LOCATION"], entry["UID"]) == ("1", "Biblioteket",
                                                                    f"{MEETING}-{key(FIRST)}@network.region-1084")
    assert [r["person"] for r in inbox(nconn) if r["rule"] == "network.meeting_changed"] == [PEER]
    assert schedule.fire_due(nconn, FIRST - timedelta(hours=48), "region-1084") == 0  # moved: not yet
    assert schedule.fire_due(nconn, moved - timedelta(hours=48), "region-1084") == 1
    reminder = emails(nconn, rule="network.meeting_reminder")
    assert [r["person"] for r in reminder] == [PEER]  # OTHER is no longer invited (the change names who is)
    assert reminder[0]["subject"] == "Påmindelse: Sparringsmøde om 48 timer"
    assert "Biblioteket" in reminder[0]["body"] and entries(reminder[0]["calendar"])[0]["DTSTART"] == moved.isoformat()

    second = FIRST + timedelta(weeks=1)
    feed("meeting_notice.cancelled", STREAM, {"meeting_id": MEETING, "occurrence": key(second),
                                              "invitee_peer_ids": [PEER]}, T0)
    cancelled = emails(nconn, rule="network.meeting_cancelled")[0]
    assert cancelled["subject"] == "Aflyst: Sparringsmøde 19.11.2026 kl. 10:00"
    assert [e["STATUS"] for e in entries(cancelled["calendar"])] == ["CANCELLED"]
    assert "METHOD:CANCEL" in cancelled["calendar"]
    assert schedule.fire_due(nconn, moved - timedelta(hours=24), "region-1084") == 1  # the moved one's 24 h
    assert schedule.fire_due(nconn, second - timedelta(hours=1), "region-1084") == 0  # the cancelled one's: none
    assert [r["status"] for r in reminders(nconn)] == ["fired", "fired", "dropped", "dropped"]


def test_a_cancelled_meeting_drops_every_reminder_and_tells_the_invitees(nconn, feed):
    schedule_sparring(feed)
    feed("meeting_notice.cancelled", STREAM, {"meeting_id": MEETING, "occurrence": None,
                                              "invitee_peer_ids": [PEER, OTHER]}, T0)
    assert {r["status"] for r in reminders(nconn)} == {"dropped"}
    told = [m for m in inbox(nconn) if m["rule"] == "network.meeting_cancelled"]
    assert len(told) == 2 and told[0]["subject"] == "Aflyst: Sparringsmøde (alle kommende gange)"
    assert [e["STATUS"] for e in entries(emails(nconn, rule="network.meeting_cancelled")[0]["calendar"])] == [
        "CANCELLED", "CANCELLED"]
    assert schedule.fire_due(nconn, FIRST + timedelta(weeks=3), "region-1084") == 0


def test_more_peers_invited_get_their_invitation_and_the_reminders(nconn, feed):
    schedule_sparring(feed, invitees=(PEER,), weeks=1)
    feed("meeting_notice.scheduled", STREAM, {  # as the network publishes `meeting.invited`
        "meeting_id": MEETING, "network_id": NETWORK, "kind": "sparring_meeting", "title": "Sparring om grænser",
        "place": "Peer-huset", "occurrences": [occurrence(FIRST)], "invitee_peer_ids": [LATE]}, T0)
    assert [m["person"] for m in inbox(nconn)] == sorted([PEER, LATE])
    assert schedule.fire_due(nconn, FIRST - timedelta(hours=47), "region-1084") == 1
    assert sorted(r["person"] for r in emails(nconn, rule="network.meeting_reminder")) == sorted([PEER, LATE])


def test_a_sign_up_and_its_withdrawal_are_confirmed_to_the_peer(nconn, feed):
    schedule_sparring(feed, weeks=2)
    second = key(FIRST + timedelta(weeks=1))
    feed("meeting_notice.signed_up", STREAM, {"meeting_id": MEETING, "occurrence": second, "peer_id": PEER}, T0)
    feed("meeting_notice.sign_up_cancelled", STREAM, {"meeting_id": MEETING, "occurrence": second, "peer_id": PEER}, T0)
    told = [m for m in inbox(nconn, PEER) if m["rule"] != "network.meeting_invitation"]
    assert [m["subject"] for m in told] == ["Du er afmeldt: Sparringsmøde 19.11.2026 kl. 10:00",
                                            "Du er tilmeldt: Sparringsmøde 19.11.2026 kl. 10:00"]
    [entry] = entries(emails(nconn, rule="network.signed_up")[0]["calendar"])
    assert entry["UID"] == f"{MEETING}-{second}@network.region-1084"
    assert inbox(nconn, OTHER)[0]["rule"] == "network.meeting_invitation" and len(inbox(nconn, OTHER)) == 1


def test_attendance_counted_tells_the_peer(nconn, feed):
    schedule_sparring(feed, weeks=1)
    feed("network_activity.attended", f"network_activity-{uuid.uuid4()}", {
        "activity_id": str(uuid.uuid4()), "peer_id": PEER, "kind": "sparring_meeting", "meeting_id": MEETING,
        "occurrence": key(FIRST), "held_at": FIRST.isoformat(), "duration_minutes": 120}, FIRST + timedelta(hours=3))
    [told] = [m for m in inbox(nconn) if m["rule"] == "network.attendance_counted"]
    assert told["person"] == PEER and told["subject"] == "Dit fremmøde er registreret: Sparringsmøde"
    assert "frivillig aktivitet" in told["body"]


def test_an_event_about_an_erased_person_applied_after_the_erasure_brings_nothing_back(nconn, feed):
    """The feeds are separate queues: roles' `person.erased` can be applied before the network's or
    courses' events about the person. Without the forgotten-person record they would come back."""
    erasure = feed("person.erased", f"person-{PEER}", {"basis": "data_subject_request", "keys_destroyed": True}, T0)
    projections.forget(nconn, PEER, erasure["event_id"], T0)  # what the on_person consumer does
    schedule_sparring(feed)
    feed("group_course.facilitator_added", f"group_course-{uuid.uuid4()}", {"peer_id": PEER}, T0)
    feed("peer.registered", f"peer-{PEER}", {"kind": "volunteer", "title": "frivillig peer", "name": "sealed",
                                             "workplace": "Parkvænget", "leader_id": None, "mentor_id": None,
                                             "function_description_id": None}, T0)
    assert schedule.fire_due(nconn, FIRST - timedelta(hours=30), "region-1084") == 1
    for table, column in projections.PERSON_ROWS:
        assert nconn.execute(f"SELECT count(*) AS n FROM {table} WHERE {column}::text = %s",
                             (PEER,)).fetchone()["n"] == 0, table
    assert {m["person"] for m in inbox(nconn)} == {OTHER}


NATIONAL_EVENT = str(uuid.uuid4())
MEETUP = {"national_event_id": NATIONAL_EVENT, "title": "Peertræf 2027: Din praksis i fokus",
          "starts_at": utc(2027, 5, 11, 7, 0).isoformat(), "ends_at": utc(2027, 5, 11, 14, 0).isoformat(),
          "place": "Odense Congress Center", "capacity": 55, "themes": ["practice_in_focus"], "programme": []}


def awaiting(rule_key: str):
    return pytest.mark.skipif(BY_KEY[rule_key].awaiting_contract,
                              reason=f"{BY_KEY[rule_key].missing_contracts}: that branch's contracts are not merged yet")


@awaiting("national.event_announced")
def test_a_national_event_announced_goes_to_newsletter_subscribers_only(nconn, feed):
    """Seed 004: people sign up for national events through a newsletter (the subscription is the opt-in)."""
    nconn.execute("INSERT INTO person_settings (person_id, newsletter) VALUES (%s, true), (%s, false)", (PEER, OTHER))
    feed("national_event_notice.announced", f"national_event_notice-{NATIONAL_EVENT}", MEETUP, T0)
    [told] = inbox(nconn)
    assert told["person"] == PEER and told["subject"] == "Nationalt arrangement: Peertræf 2027: Din praksis i fokus"
    assert "11.05.2027 kl. 09:00, Odense Congress Center" in told["body"] and "nyhedsbrevet" in told["body"]


@awaiting("national.registration_answered")
def test_registration_answers_go_to_the_registrant(nconn, feed):
    feed("national_event_notice.announced", f"national_event_notice-{NATIONAL_EVENT}", MEETUP, T0)
    stream = f"national_sign_up-{uuid.uuid5(uuid.UUID(NATIONAL_EVENT), PEER)}"
    answer = {"national_event_id": NATIONAL_EVENT, "peer_id": PEER}
    feed("national_sign_up.waitlisted", stream, {**answer, "position": 3}, T0)
    feed("national_sign_up.promoted", stream, answer, T0 + timedelta(days=1))
    feed("national_sign_up.cancelled", stream, answer, T0 + timedelta(days=2))
    feed("national_sign_up.accepted", f"national_sign_up-{uuid.uuid4()}", {**answer, "peer_id": OTHER}, T0)
    subjects = {m["person"]: [] for m in inbox(nconn)}
    for m in nconn.execute("SELECT recipient_person::text AS person, subject, body FROM inbox_messages "
                           "ORDER BY created_at, subject").fetchall():
        subjects[m["person"]].append(m["subject"])
    assert subjects == {
        PEER: ["Du er på venteliste: Peertræf 2027: Din praksis i fokus",
               "Du har fået en plads fra ventelisten: Peertræf 2027: Din praksis i fokus",
               "Din tilmelding er annulleret: Peertræf 2027: Din praksis i fokus"],
        OTHER: ["Du har fået en plads: Peertræf 2027: Din praksis i fokus"]}
    [waitlisted] = [m for m in emails(nconn, person=PEER) if m["subject"].startswith("Du er på venteliste")]
    assert "nummer 3 på ventelisten" in waitlisted["body"]


@awaiting("national.competence_module_published")
def test_a_competence_module_of_the_national_catalogue_goes_to_newsletter_subscribers(nconn, feed):
    """As the courses service keeps the catalogue it receives (`catalogue_module.received`)."""
    nconn.execute("INSERT INTO person_settings (person_id, newsletter) VALUES (%s, true), (%s, false)", (PEER, OTHER))
    module = str(uuid.uuid4())
    details = {"module_id": module, "title": "Recovery og CHIME", "description": "", "learning_goals": ["Håb"],
               "kind": "course", "hours": 7.5}
    feed("catalogue_module.received", f"catalogue_module-{module}", {**details, "module_version": 1}, T0)
    feed("catalogue_module.received", f"catalogue_module-{module}", {**details, "module_version": 2}, T0)
    assert [(m["person"], m["subject"]) for m in nconn.execute(
        "SELECT recipient_person::text AS person, subject FROM inbox_messages ORDER BY subject").fetchall()] == [
        (PEER, "Ny version af kompetencemodulet: Recovery og CHIME"), (PEER, "Nyt kompetencemodul: Recovery og CHIME")]
    assert "(7,5 timer)" in inbox(nconn)[0]["body"]
