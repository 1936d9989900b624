"""What the courses service publishes for roles and the national level, derived from decisions."""
import uuid
from datetime import date

import contracts
from services.courses.domain.published import activity_id, group_course_facts
from tests.courses.helpers import add_sessions, decide, enroll, hold, planned_course

TODAY = date(2020, 4, 30)


def pseudonym(person_id):
    return f"region-1084:p1:{'a' * 26}"


def facts_of(course, events):
    facts = group_course_facts(course, events, TODAY, pseudonym)
    for _, event in facts:
        contracts.validate_payload(event.type, 1, event.payload)
    return facts


def test_a_held_group_session_is_one_activity_per_facilitating_peer():
    course, peers = planned_course(facilitators=2)
    session = add_sessions(course, 1)[0]
    facts = facts_of(course, hold(course, session, {}))
    assert [(e.type, e.payload["peer_id"], e.payload["kind"], e.payload["duration_minutes"]) for _, e in facts] == [
        ("peer_activity.session_held", peers[0], "group_session", 120),
        ("peer_activity.session_held", peers[1], "group_session", 120)]
    assert facts[0][0] == f"peer_activity-{activity_id(session, peers[0])}"


def test_closing_the_peer_education_publishes_each_completion_for_roles_and_pseudonymously_for_the_nation():
    course, _ = planned_course(rule={"min_sessions_attended": 1, "min_attendance_percent": 50})
    session = add_sessions(course, 1)[0]
    citizen_participant = enroll(course, 1)[0]
    peer = str(uuid.uuid4())
    peer_participant = decide(course, course.enroll("citizen", peer_id=peer))[0].payload["participant_id"]
    absentee = enroll(course, 1)[0]
    hold(course, session, {citizen_participant: "present", peer_participant: "late", absentee: "absent"})
    facts = facts_of(course, decide(course, course.close()))
    completed = [e.payload for s, e in facts if e.type == "peer_education.completed"]
    assert [(c["participant_id"], c["peer_id"]) for c in completed] == [(citizen_participant, None),
                                                                       (peer_participant, peer)]
    assert all(c["completed_on"] == "2020-04-30" and c["sessions_held"] == 1 and c["sessions_attended"] == 1
               for c in completed)
    reported = [(s, e.payload) for s, e in facts if e.type == "peer_education.completion_reported"]
    assert [p for _, p in reported] == [{"pseudonym": pseudonym(None), "completed_on": "2020-04-30"}] * 2
    assert {s for s, _ in reported} == {f"peer_education-{course.id}"}


def test_other_group_courses_publish_no_peer_education_completion():
    course, _ = planned_course(kind="recovery_school", rule={"min_sessions_attended": 1, "min_attendance_percent": 0})
    session = add_sessions(course, 1)[0]
    p = enroll(course, 1)[0]
    hold(course, session, {p: "present"})
    facts = facts_of(course, decide(course, course.close()))
    assert not [e for _, e in facts if e.type.startswith("peer_education")]


def test_a_closed_group_course_reports_itself_held_with_its_enrolled_participants_only():
    course, _ = planned_course(kind="recovery_group", rule={"min_sessions_attended": 1, "min_attendance_percent": 0})
    session = add_sessions(course, 1)[0]
    stayed = enroll(course, 3)
    left = enroll(course, 1)[0]
    decide(course, course.withdraw(left))
    hold(course, session, {stayed[0]: "present"})
    facts = facts_of(course, decide(course, course.close()))
    [(stream, held)] = [(s, e) for s, e in facts if e.type == "course_held.reported"]
    assert stream == f"course_held-{course.id}"
    assert held.payload == {"course_type": "group_course", "course_kind": "recovery_group",
                            "closed_on": TODAY.isoformat(), "participants": 3}


def test_a_cancelled_group_course_was_not_held():
    course, _ = planned_course(kind="recovery_group")
    enroll(course, 2)
    assert not [e for _, e in facts_of(course, decide(course, course.cancel("for få tilmeldte")))
                if e.type == "course_held.reported"]


def test_national_contracts_of_courses_carry_nothing_personal():
    national = [c for c in contracts.all_contracts() if c.national and c.source_service == "courses"]
    assert {c.type for c in national} == {"peer_education.completion_reported", "outcome.who5_distribution_reported",
                                          "competence.completion_reported", "course_held.reported"}
    for c in national:
        assert contracts.personal_fields(c.schema) == []


def test_personal_fields_of_courses_are_marked():
    marked = {c.type: contracts.personal_fields(c.schema) for c in contracts.all_contracts()
              if c.source_service == "courses"}
    assert marked["citizen.registered"] == ["name", "phone", "email"]
    assert marked["group_course.feedback_given"] == ["text"]
    assert set(marked["group_course.who5_recorded"]) >= {"items", "raw_score", "score"}
    assert marked["support_course.goal_set"] == ["text"]
    assert marked["support_course.closed"] == ["evaluation"]
    assert marked["support_course.session_held"] == ["note"]
    assert marked["peer_activity.session_held"] == [] and marked["peer_education.completed"] == []


def test_the_national_pseudonym_field_accepts_exactly_the_instances_pseudonyms():
    from contracts.courses import PSEUDONYM_PATTERN
    from runtime.privacy import pseudonym as runtime_pseudonym

    assert PSEUDONYM_PATTERN == runtime_pseudonym.PATTERN.pattern
    assert runtime_pseudonym.PATTERN.match(
        runtime_pseudonym.pseudonym(uuid.uuid4(), purpose="person", instance_id="region-1084"))
