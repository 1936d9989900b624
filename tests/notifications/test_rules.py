"""Every rule on main's roles and courses events, in-process: who gets what, on which channel,
when; reminders moved and dropped with their cause; each message once."""
import uuid
from datetime import timedelta

from services.notifications import schedule
from services.notifications.rules import BY_KEY, RULES
from tests.support.notification_rules import (AGREEMENT, COORDINATOR, COURSE, DESCRIPTION, LEADER, NATIONAL_RULES, PEER,
                                              SESSION, T0, emails, inbox, register_volunteer, utc)


def plan_course(feed, starts_at):
    stream = f"group_course-{COURSE}"
    feed("group_course.planned", stream, {"kind": "recovery_group", "title": "Recoverygruppe", "method_ids": [],
                                          "capacity": 2, "completion_rule": {}}, T0)
    feed("group_course.facilitator_added", stream, {"peer_id": PEER}, T0)
    feed("group_course.session_scheduled", stream,
         {"session_id": SESSION, "title": "Workshop 1", "starts_at": starts_at.isoformat(),
          "ends_at": (starts_at + timedelta(hours=2)).isoformat(), "place": "Mødelokale 2"}, T0)
    return stream


def test_rules_name_existing_templates_and_resolvers():
    """GET /rules is data: every rule resolvable today has its template and recipients."""
    from services.notifications import recipients
    from services.notifications.messages import _environment

    for rule in RULES:
        assert _environment.get_template(f"{rule.template}.txt.j2")
        assert set(rule.recipients) <= set(recipients.RESOLVERS), rule.key
    # roles', courses' and network's own rules are on their real events; only the national ones may wait
    # for the contracts of the branches that write them (they go live, unchanged, once those are merged)
    assert {r.key for r in RULES if r.awaiting_contract} <= NATIONAL_RULES
    assert BY_KEY["volunteer_agreement.expired"].critical


def test_revision_to_acknowledge_goes_to_the_peer_and_their_leader(nconn, feed):
    register_volunteer(feed)
    feed("function_description.published", f"function_description-{DESCRIPTION}",
         {"revision": 2, "workplace": "Parkvænget", "support_mode": "both"}, T0)
    assert [r["person"] for r in inbox(nconn)] == sorted([PEER, LEADER])
    assert inbox(nconn)[0]["subject"] == "Ny version af funktionsbeskrivelsen: Parkvænget"
    assert len(emails(nconn, rule="function_description.revision_to_acknowledge")) == 2


def test_renewal_due_pause_and_resume(nconn, feed):
    register_volunteer(feed)
    stream = f"volunteer_agreement-{AGREEMENT}"
    feed("volunteer_agreement.renewal_due_raised", stream, {"raised_on": "2026-11-02", "term_ends_on": "2026-12-01"}, T0)
    assert {r["person"] for r in inbox(nconn) if r["rule"] == "volunteer_agreement.renewal_due"} == {PEER, COORDINATOR}
    feed("volunteer_agreement.pause_announced", stream, {"announced_on": "2026-11-02", "pause_from": "2026-11-10"}, T0)
    feed("volunteer_agreement.resumed", stream, {"resumed_on": "2026-11-20"}, T0)
    assert [r["rule"] for r in inbox(nconn, COORDINATOR)] == [
        "volunteer.pause_announced", "volunteer.resumed", "volunteer_agreement.renewal_due"]
    pause_mail = emails(nconn, rule="volunteer.pause_announced")[0]
    assert "2026-11-10" not in pause_mail["body"] and "indbakke" in pause_mail["body"]  # sensitive: no details


def test_agreement_expiry_is_scheduled_moved_by_renewal_and_dropped_by_an_end(nconn, feed, mailer):
    register_volunteer(feed)
    stream = f"volunteer_agreement-{AGREEMENT}"
    feed("volunteer_agreement.activated", stream, {"active_from": "2026-06-01", "term_ends_on": "2026-12-01"}, T0)
    due = nconn.execute("SELECT due_at FROM reminders WHERE rule = 'volunteer_agreement.expired'").fetchone()["due_at"]
    assert due == utc(2026, 12, 2, 8, 0)  # 09:00 Copenhagen the day after the term
    feed("volunteer_agreement.renewed", stream, {"conversation_on": "2026-11-20", "term_ends_on": "2027-06-01"}, T0)
    assert schedule.fire_due(nconn, utc(2026, 12, 3), "region-1084") == 0
    assert schedule.fire_due(nconn, utc(2027, 6, 2, 8, 0), "region-1084") == 1
    assert {r["person"] for r in inbox(nconn) if r["rule"] == "volunteer_agreement.expired"} == {PEER, COORDINATOR}
    feed("volunteer_agreement.renewed", stream, {"conversation_on": "2027-06-10", "term_ends_on": "2027-12-01"}, T0)
    feed("volunteer_agreement.ended", stream, {"ended_by": "volunteer", "reason": "volunteer_wish",
                                               "ended_on": "2027-07-01"}, T0)
    assert schedule.fire_due(nconn, utc(2028, 1, 1), "region-1084") == 0


def test_monthly_evaluation_due_follows_the_last_evaluation(nconn, feed):
    register_volunteer(feed)
    stream = f"peer-{PEER}"
    feed("peer.task_agreed", stream, {"task_id": str(uuid.uuid4()), "title": "3 workshops", "success_criteria": []}, T0)
    assert nconn.execute("SELECT due_at FROM reminders").fetchone()["due_at"] == utc(2026, 12, 1, 8, 0)
    feed("peer.monthly_evaluation_held", stream, {"month": "2026-11", "tasks": [], "days_expected": 10,
                                                   "days_present": 9}, utc(2026, 12, 1, 10))
    assert nconn.execute("SELECT due_at, values FROM reminders").fetchone() == {
        "due_at": utc(2027, 1, 1, 8, 0), "values": {"month": "2026-12"}}
    assert schedule.fire_due(nconn, utc(2027, 1, 1, 8, 0), "region-1084") == 1
    assert {r["person"] for r in inbox(nconn)} == {PEER, LEADER}
    assert inbox(nconn)[0]["subject"] == "Månedlig evaluering for 2026-12"


def test_course_invitation_enrolment_promotion_and_completion(nconn, feed):
    register_volunteer(feed)
    stream = plan_course(feed, T0 + timedelta(days=10))
    other_peer, participant = str(uuid.uuid4()), str(uuid.uuid4())
    feed("group_course.participant_waitlisted", stream, {"participant_id": participant, "participant_type": "peer",
                                                         "citizen_id": None, "peer_id": other_peer}, T0)
    feed("group_course.participant_promoted", stream, {"participant_id": participant}, T0)
    feed("peer_education.completed", f"peer_education-{COURSE}",
         {"course_id": COURSE, "participant_id": str(uuid.uuid4()), "peer_id": PEER, "completed_on": "2026-12-01",
          "sessions_attended": 5, "sessions_held": 5}, T0)
    assert [(r["rule"], r["person"]) for r in inbox(nconn)] == sorted([
        ("course.facilitator_invited", PEER), ("course.waitlist_promoted", other_peer),
        ("peer_education.completed", PEER), ("peer_education.completed", COORDINATOR)])
    assert "Recoverygruppe" in inbox(nconn, other_peer)[0]["body"]
    assert "Recoverygruppe" not in emails(nconn, rule="course.waitlist_promoted")[0]["body"]


def test_session_reminders_48_and_24_hours_with_a_calendar_moved_and_dropped(nconn, feed):
    register_volunteer(feed)
    starts = T0 + timedelta(days=10)
    stream = plan_course(feed, starts)
    due = [r["due_at"] for r in nconn.execute("SELECT due_at FROM reminders WHERE rule = 'course.session_reminder' "
                                              "ORDER BY due_at").fetchall()]
    assert due == [starts - timedelta(hours=48), starts - timedelta(hours=24)]
    moved = starts + timedelta(days=1)
    feed("group_course.session_rescheduled", stream, {"session_id": SESSION, "starts_at": moved.isoformat(),
                                                       "ends_at": (moved + timedelta(hours=2)).isoformat(),
                                                       "place": "Salen"}, T0)
    changed = emails(nconn, rule="course.session_changed")[0]
    assert "SEQUENCE:1" in changed["calendar"] and "Salen" in changed["calendar"]
    assert schedule.fire_due(nconn, starts - timedelta(hours=48), "region-1084") == 0  # moved: not yet
    assert schedule.fire_due(nconn, moved - timedelta(hours=48), "region-1084") == 2  # facilitators', participants'
    reminder = emails(nconn, rule="course.session_reminder")[0]
    assert reminder["subject"] == "Påmindelse: Workshop 1 om 48 timer" and "DTSTART" in reminder["calendar"]
    feed("group_course.session_cancelled", stream, {"session_id": SESSION}, T0)
    assert schedule.fire_due(nconn, moved - timedelta(hours=1), "region-1084") == 0
    assert [r["person"] for r in inbox(nconn) if r["rule"] == "course.session_cancelled"] == [PEER]


def test_a_reminder_due_while_down_fires_once_and_a_past_session_not_at_all(nconn, feed):
    register_volunteer(feed)
    starts = T0 + timedelta(days=3)
    plan_course(feed, starts)
    late = starts - timedelta(hours=20)  # both reminders fell due while the service was down
    assert schedule.fire_due(nconn, late, "region-1084") == 4  # 48 h and 24 h, for facilitators and participants
    assert schedule.fire_due(nconn, late, "region-1084") == 0
    assert len(inbox(nconn)) == 3  # invitation + 48 h + 24 h
    assert schedule.fire_due(nconn, starts + timedelta(hours=1), "region-1084") == 0


def test_a_redelivered_event_or_replanned_cause_gives_no_second_message(nconn, feed):
    register_volunteer(feed)
    from services.notifications import handling

    envelope = feed("function_description.published", f"function_description-{DESCRIPTION}",
                    {"revision": 1, "workplace": "Parkvænget", "support_mode": "group"}, T0)
    assert handling.follow(nconn, envelope, T0 + timedelta(minutes=5), "region-1084") == 0
    assert len(inbox(nconn)) == 2 and len(emails(nconn)) == 2


def test_a_description_nobody_works_under_tells_the_leader_and_coordinator_roles(nconn, feed):
    feed("function_description.published", f"function_description-{DESCRIPTION}",
         {"revision": 1, "workplace": "Parkvænget", "support_mode": "group"}, T0)
    roles = nconn.execute("SELECT recipient_role FROM inbox_messages ORDER BY 1").fetchall()
    assert [r["recipient_role"] for r in roles] == ["coordinator", "leader"]


def test_erasure_forgets_messages_preferences_and_pending_reminders(nconn, feed):
    register_volunteer(feed)
    feed("peer.task_agreed", f"peer-{PEER}", {"task_id": str(uuid.uuid4()), "title": "t", "success_criteria": []}, T0)
    feed("volunteer_agreement.renewal_due_raised", f"volunteer_agreement-{AGREEMENT}",
         {"raised_on": "2026-11-02", "term_ends_on": "2026-12-01"}, T0)
    nconn.execute("INSERT INTO person_settings (person_id, daily_digest) VALUES (%s, true)", (PEER,))
    feed("person.erased", f"person-{PEER}", {"basis": "data_subject_request", "keys_destroyed": True}, T0)
    from services.notifications import projections

    projections.forget(nconn, PEER, str(uuid.uuid4()), T0)  # what the on_person consumer does
    for table, column in projections.PERSON_ROWS:
        assert nconn.execute(f"SELECT count(*) AS n FROM {table} WHERE {column}::text = %s",
                             (PEER,)).fetchone()["n"] == 0, table
    assert inbox(nconn, COORDINATOR)  # the coordinator's own message stays


def test_a_publication_asks_each_question_once(nconn, feed):
    """The statements one `function_description.published` costs the consumer (they are on the path of every
    publication's notification): with peers under the description, their and their leaders' ids, the erased
    among them, the template values, the messages; with nobody under it, the peers' ids once (the revision
    rule's answer also says nobody works under it) and the role messages. An event that names no person
    asks nothing of `forgotten_persons`."""
    from services.notifications import handling
    from tests.support.statements import counting_statements

    def publish(description: str) -> list[str]:
        envelope = {"event_id": str(uuid.uuid4()), "type": "function_description.published", "schema_version": 1,
                    "stream": f"function_description-{description}", "stream_version": 3, "global_position": 0,
                    "occurred_at": T0.isoformat(), "correlation_id": str(uuid.uuid4()),
                    "payload": {"revision": 2, "workplace": "Parkvænget", "support_mode": "both"}}
        with counting_statements(nconn) as seen:
            handling.follow(nconn, envelope, T0, "region-1084")
        nconn.commit()
        return seen

    register_volunteer(feed)
    nobody_under = publish(str(uuid.uuid4()))
    assert [s.split(" FROM ")[0] for s in nobody_under if "known_peers" in s] == [
        "SELECT id", "SELECT DISTINCT leader_id AS id"], nobody_under
    assert not [s for s in nobody_under if "forgotten_persons" in s], nobody_under
    assert len(nobody_under) == 3, nobody_under  # peers, their leaders (the rule's two resolvers), role messages
    with_peers = publish(DESCRIPTION)
    assert sum("known_peers" in s for s in with_peers) == 2, with_peers
    assert sum("forgotten_persons" in s for s in with_peers) == 1, with_peers  # the recipients, once
    assert [r["person"] for r in inbox(nconn) if r["rule"] == "function_description.revision_to_acknowledge"] == \
        sorted([PEER, LEADER])
