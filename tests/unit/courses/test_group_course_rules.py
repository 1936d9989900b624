"""Rules of the group course, on the aggregate alone (each test fails if its rule is removed)."""
import uuid
from datetime import timedelta

import pytest

from runtime.domain import InvalidValue, RuleBroken
from tests.courses.helpers import T0, add_sessions, decide, enroll, hold, planned_course, types


def test_a_full_course_waitlists_and_a_freed_place_promotes_the_first_waiting_automatically():
    course, _ = planned_course(capacity=2)
    first, second = enroll(course, 2)
    third, fourth = enroll(course, 2)
    assert [course.participants[p].status for p in (first, second, third, fourth)] == [
        "enrolled", "enrolled", "waitlisted", "waitlisted"]
    events = decide(course, course.withdraw(first))
    assert types(events) == ["group_course.participant_withdrew", "group_course.participant_promoted"]
    assert events[1].payload["participant_id"] == third  # first come, first served
    assert course.participants[third].status == "enrolled" and course.waitlist == [fourth]
    # Someone who only waited leaves: nobody is promoted, the order of the rest stays.
    assert types(decide(course, course.withdraw(fourth))) == ["group_course.participant_withdrew"]


def test_more_capacity_promotes_as_many_as_there_are_new_places():
    course, _ = planned_course(capacity=1)
    enroll(course, 1)
    waiting = enroll(course, 3)
    events = decide(course, course.change_capacity(3))
    assert [e.payload.get("participant_id") for e in events[1:]] == waiting[:2]
    assert course.waitlist == waiting[2:]
    with pytest.raises(RuleBroken):
        course.change_capacity(1)  # fewer places than people holding them


def test_nobody_jumps_the_waitlist_even_when_a_place_is_free():
    course, _ = planned_course(capacity=1)
    enroll(course, 1)
    waiting = enroll(course, 1)[0]
    assert course.waitlist == [waiting]


def test_a_person_is_enrolled_once():
    course, _ = planned_course()
    citizen = uuid.uuid4()
    decide(course, course.enroll("relative", citizen_id=citizen))
    with pytest.raises(RuleBroken):
        course.enroll("relative", citizen_id=citizen)
    with pytest.raises(InvalidValue):
        course.enroll("citizen")  # neither a citizen nor a peer


def test_participant_types_are_citizen_relative_and_staff():
    course, _ = planned_course()
    for kind in ("citizen", "relative", "staff"):
        decide(course, course.enroll(kind, citizen_id=uuid.uuid4()))
    with pytest.raises(Exception):
        decide(course, course.enroll("neighbour", citizen_id=uuid.uuid4()))  # the contract refuses it


def test_completion_counts_present_and_late_against_the_sessions_expected():
    course, _ = planned_course(rule={"min_sessions_attended": 2, "min_attendance_percent": 66})
    sessions = add_sessions(course, 3)
    regular, late_comer, absentee = enroll(course, 3)
    hold(course, sessions[0], {regular: "present", late_comer: "late", absentee: "absent"})
    hold(course, sessions[1], {regular: "present", late_comer: "late", absentee: "present"})
    hold(course, sessions[2], {regular: "absent", late_comer: "present", absentee: "absent"})
    closed = decide(course, course.close())[0]
    assert set(closed.payload["completed_participant_ids"]) == {regular, late_comer}
    assert closed.payload["sessions_held"] == 3


def test_someone_who_joins_late_is_not_expected_at_sessions_held_before():
    course, _ = planned_course(rule={"min_sessions_attended": 2, "min_attendance_percent": 100})
    sessions = add_sessions(course, 3)
    early = enroll(course, 1)[0]
    hold(course, sessions[0], {early: "present"})
    joiner = enroll(course, 1)[0]
    hold(course, sessions[1], {early: "present", joiner: "present"})
    hold(course, sessions[2], {early: "present", joiner: "present"})
    outcome = course.outcome_of(course.participants[joiner])
    assert (outcome.attended, outcome.expected, outcome.completed) == (2, 2, True)


def test_promotion_from_the_waitlist_counts_as_joining():
    course, _ = planned_course(capacity=1, rule={"min_sessions_attended": 1, "min_attendance_percent": 100})
    sessions = add_sessions(course, 2)
    leaver, waiting = enroll(course, 2)
    hold(course, sessions[0], {leaver: "present"})
    decide(course, course.withdraw(leaver))
    hold(course, sessions[1], {waiting: "present"})
    assert course.outcome_of(course.participants[waiting]).expected == 1


def test_an_excused_absence_is_not_held_against_anyone():
    course, _ = planned_course(rule={"min_sessions_attended": 2, "min_attendance_percent": 100})
    sessions = add_sessions(course, 3)
    p = enroll(course, 1)[0]
    hold(course, sessions[0], {p: "present"})
    hold(course, sessions[1], {p: "excused"})
    hold(course, sessions[2], {p: "present"})
    assert course.outcome_of(course.participants[p]).completed
    decide(course, course.record_attendance(sessions[1], p, "absent"))  # a correction
    assert not course.outcome_of(course.participants[p]).completed


def test_the_minimum_number_of_sessions_is_a_floor():
    course, _ = planned_course(rule={"min_sessions_attended": 3, "min_attendance_percent": 0})
    sessions = add_sessions(course, 3)
    p = enroll(course, 1)[0]
    for s, status in zip(sessions, ("present", "late", "absent")):
        hold(course, s, {p: status})
    assert not course.outcome_of(course.participants[p]).completed


def test_attendance_needs_a_held_session_and_an_enrolled_participant():
    course, _ = planned_course(capacity=1)
    sessions = add_sessions(course, 1)
    enrolled, waiting = enroll(course, 2)
    with pytest.raises(RuleBroken):
        course.record_attendance(sessions[0], enrolled, "present")  # not held yet
    hold(course, sessions[0], {enrolled: "present"})
    with pytest.raises(RuleBroken):
        course.record_attendance(sessions[0], waiting, "present")
    with pytest.raises(InvalidValue):
        course.record_attendance(sessions[0], enrolled, "present", minutes_late=10)
    decide(course, course.record_attendance(sessions[0], enrolled, "late", minutes_late=10))


def test_sessions_are_held_by_the_course_facilitators_for_their_time():
    course, (peer,) = planned_course()
    session = add_sessions(course, 1)[0]
    stranger = str(uuid.uuid4())
    with pytest.raises(InvalidValue):
        course.hold_session(session, T0, [{"peer_id": stranger, "minutes": 60}])
    held = course.hold_session(session, T0)[0]
    assert held.payload["facilitations"] == [{"peer_id": peer, "minutes": 120}]  # default: scheduled duration
    decide(course, [held])
    with pytest.raises(RuleBroken):
        course.hold_session(session, T0)  # once


def test_a_session_has_its_programme_exercises_time_and_place():
    course, (peer,) = planned_course()
    with pytest.raises(InvalidValue):
        course.schedule_session("W1", T0, T0 - timedelta(hours=1), "Værkstedet")
    with pytest.raises(InvalidValue):
        course.schedule_session("W1", T0, T0 + timedelta(hours=1), "Værkstedet", facilitator_peer_ids=[uuid.uuid4()])
    event = decide(course, course.schedule_session("W1", T0, T0 + timedelta(hours=2), "Værkstedet", "Program",
                                                   [{"title": f"Øvelse {n}", "description": "", "duration_minutes": 20}
                                                    for n in (1, 2, 3)], [peer]))[0]
    session = course.sessions[event.payload["session_id"]]
    assert (session.place, len(session.exercises), session.facilitator_peer_ids) == ("Værkstedet", 3, [peer])
    decide(course, course.set_programme(session.id, "Nyt program", [{"title": "Ny øvelse"}]))
    decide(course, course.reschedule_session(session.id, T0 + timedelta(days=1), T0 + timedelta(days=1, hours=2),
                                             "Salen"))
    assert (session.programme, session.place, session.minutes) == ("Nyt program", "Salen", 120)


def test_a_closed_course_changes_no_more():
    course, _ = planned_course()
    sessions = add_sessions(course, 2)
    p = enroll(course, 1)[0]
    hold(course, sessions[0], {p: "present"})
    decide(course, course.close())
    for command in (lambda: course.enroll("citizen", citizen_id=uuid.uuid4()), lambda: course.close(),
                    lambda: course.hold_session(sessions[1], T0),
                    lambda: course.record_attendance(sessions[0], p, "absent")):
        with pytest.raises(RuleBroken):
            command()
    with pytest.raises(RuleBroken):
        course.cancel("")


def test_feedback_names_its_interviewer_and_the_person_whose_key_seals_it():
    course, (peer,) = planned_course()
    p = enroll(course, 1)[0]
    event = decide(course, course.give_feedback(p, peer, "Godt forløb", rating=5))[0]
    assert event.payload["person_id"] == course.participants[p].citizen_id
    assert event.payload["interviewed_by"] == peer and event.payload["text"] == "Godt forløb"
