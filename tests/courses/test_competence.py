"""What counts toward the competence catalogue (domain/competence.py), in process: a mapped course's
completions, one per person and module, against the module version current when it closed."""
import uuid
from datetime import date

import pytest

import contracts
from runtime.domain import InvalidValue, RuleBroken
from services.courses.domain import competence
from tests.courses.helpers import add_sessions, decide, enroll, hold, planned_course

TODAY = date(2026, 5, 11)
MODULE = {"module_id": str(uuid.uuid4()), "module_version": 2, "title": "Fælles peer-uddannelse", "kind":
          "peer_education", "hours": 37.5}


def pseudonym(person_id):
    return f"region-1084:p2:{'b' * 26}"


def closed_course(attendance_of_second="absent"):
    course, _ = planned_course(kind="recovery_group", rule={"min_sessions_attended": 1, "min_attendance_percent": 50})
    session = add_sessions(course, 1)[0]
    first, second = enroll(course, 2)
    hold(course, session, {first: "present", second: attendance_of_second})
    closed = decide(course, course.close())[-1]
    return course, closed.payload, (first, second)


def test_a_participant_who_met_the_rule_completes_each_mapped_module_once_with_its_version():
    other = {**MODULE, "module_id": str(uuid.uuid4()), "module_version": 1, "title": "Supervision"}
    course, closed, (first, second) = closed_course()
    facts = competence.completion_facts(course, closed, [MODULE, other], TODAY, pseudonym)
    for _, event in facts:
        contracts.validate_payload(event.type, 1, event.payload)
    person = course.participants[first].person_id
    completed = [e.payload for _, e in facts if e.type == "competence.completed"]
    assert [(c["person_id"], c["module_id"], c["module_version"]) for c in completed] == [
        (person, MODULE["module_id"], 2), (person, other["module_id"], 1)]  # the absentee completed nothing
    reported = [e.payload for _, e in facts if e.type == "competence.completion_reported"]
    assert reported[0] == {"pseudonym": pseudonym(person), "module_id": MODULE["module_id"], "module_version": 2,
                           "completed_on": "2026-05-11"}
    assert person not in str(reported)  # nothing but the pseudonym names the person nationally
    # one stream per completion, its id fixed by course, person and module: recorded twice is refused by version
    assert facts[0][0] == f"competence-{competence.completion_id(course.id, person, MODULE['module_id'])}"
    again = competence.completion_facts(course, closed, [MODULE, other], TODAY, pseudonym)
    assert [(s, e.type, e.payload) for s, e in again] == [(s, e.type, e.payload) for s, e in facts]


def test_a_course_mapped_to_nothing_completes_nothing():
    course, closed, _ = closed_course("present")
    assert competence.completion_facts(course, closed, [], TODAY, pseudonym) == []


def test_a_mapping_names_only_modules_of_the_catalogue_that_are_not_retired():
    course_id, known, retired = uuid.uuid4(), str(uuid.uuid4()), str(uuid.uuid4())
    catalogue = {known: {"retired_at": None}, retired: {"retired_at": "2026-01-01"}}
    [mapped] = competence.mapping(course_id, "planned", [known, known], catalogue)
    assert mapped.payload == {"course_id": str(course_id), "module_ids": [known]}
    with pytest.raises(InvalidValue) as unknown:
        competence.mapping(course_id, "planned", [known, str(uuid.uuid4())], catalogue)
    assert unknown.value.errors == [{"field": "module_ids.1", "reason": "not a module of the competence catalogue"}]
    with pytest.raises(InvalidValue, match="retired"):
        competence.mapping(course_id, "planned", [retired], catalogue)
    with pytest.raises(RuleBroken):
        competence.mapping(course_id, "closed", [known], catalogue)
