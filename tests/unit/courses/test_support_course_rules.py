"""Rules of the individual support course, on the aggregate alone."""
import uuid
from datetime import datetime, timezone

import pytest

from runtime.domain import NotFound, RuleBroken
from services.courses.domain import published
from services.courses.domain.support_course import SupportCourse
from tests.courses.helpers import decide, types

WHEN = datetime(2024, 2, 6, 9, 0, tzinfo=timezone.utc)


def opened(peer=None):
    course = SupportCourse(uuid.uuid4())
    decide(course, SupportCourse.open(uuid.uuid4(), [], peer))
    return course


def test_a_coordinator_matches_a_peer_and_can_replace_the_match():
    course = opened()
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    decide(course, course.match(first))
    with pytest.raises(RuleBroken):
        course.match(second)  # a second match is a replacement, said so
    with pytest.raises(RuleBroken):
        course.replace_match(first)
    replaced = decide(course, course.replace_match(second, "Kemien passede ikke"))[0]
    assert replaced.payload["previous_peer_id"] == first and course.peer_id == second
    assert course.former_peers == [first]


def test_only_the_matched_peer_holds_sessions():
    course = opened()
    peer, other = str(uuid.uuid4()), str(uuid.uuid4())
    with pytest.raises(RuleBroken):
        course.hold_session(peer, "conversation", WHEN, 60)  # nobody matched yet
    decide(course, course.match(peer))
    with pytest.raises(RuleBroken):
        course.hold_session(other, "conversation", WHEN, 60)
    decide(course, course.replace_match(other))
    with pytest.raises(RuleBroken):
        course.hold_session(peer, "conversation", WHEN, 60)  # the former peer no longer
    decide(course, course.hold_session(other, "accompaniment_meeting", WHEN, 90))


@pytest.mark.parametrize("kind", ["conversation", "companionship", "accompaniment_activity", "accompaniment_meeting"])
def test_each_kind_of_session_counts_as_a_peer_activity_with_its_duration(kind):
    peer = str(uuid.uuid4())
    course = opened(peer)
    events = decide(course, course.hold_session(peer, kind, WHEN, 75, "Samtale om mål"))
    [(stream, fact)] = published.support_course_facts(course, events, WHEN.date())
    assert stream == f"peer_activity-{fact.payload['activity_id']}"
    assert fact.type == "peer_activity.session_held"
    assert {k: fact.payload[k] for k in ("peer_id", "kind", "duration_minutes", "course_type")} == {
        "peer_id": peer, "kind": kind, "duration_minutes": 75, "course_type": "support_course"}
    assert "note" not in fact.payload and "citizen_id" not in fact.payload


def test_the_citizens_own_goals():
    course = opened(str(uuid.uuid4()))
    goal = decide(course, course.set_goal("Komme ud af lejligheden to gange om ugen"))[0].payload["goal_id"]
    assert types(decide(course, course.change_goal_status(goal, "reached"))) == ["support_course.goal_status_changed"]
    assert course.change_goal_status(goal, "reached") == []
    with pytest.raises(NotFound):
        course.change_goal_status(uuid.uuid4(), "dropped")


def test_closing_takes_an_evaluation_and_ends_the_course():
    peer = str(uuid.uuid4())
    course = opened(peer)
    closing = decide(course, course.close("goals_reached", "Borgeren har nået sine mål."))
    closed = closing[0]
    assert closed.payload["evaluation"] and closed.payload["citizen_id"] == course.citizen_id
    [(stream, held)] = published.support_course_facts(course, closing, WHEN.date())  # nationally: a count only
    assert (stream, held.type) == (f"course_held-{course.id}", "course_held.reported")
    assert held.payload == {"course_type": "support_course", "course_kind": "individual",
                            "closed_on": WHEN.date().isoformat(), "participants": 1}
    for command in (lambda: course.hold_session(peer, "conversation", WHEN, 60), lambda: course.set_goal("x"),
                    lambda: course.close("other", "igen"), lambda: course.replace_match(str(uuid.uuid4()))):
        with pytest.raises(RuleBroken):
            command()


def test_a_session_recorded_by_mistake_is_withdrawn_and_so_is_its_activity():
    peer = str(uuid.uuid4())
    course = opened(peer)
    held = decide(course, course.hold_session(peer, "companionship", WHEN, 90))
    [(stream, activity)] = published.support_course_facts(course, held, WHEN.date())
    decide(course, course.close("goals_reached", "Fint"))
    withdrawn = decide(course, course.withdraw_session(held[0].payload["session_id"], "did_not_take_place"))
    [(same_stream, correction)] = published.support_course_facts(course, withdrawn, WHEN.date())
    assert same_stream == stream and correction.type == "peer_activity.withdrawn"
    assert correction.payload == {"activity_id": activity.payload["activity_id"], "peer_id": peer,
                                  "reason": "did_not_take_place"}
    with pytest.raises(RuleBroken):
        course.withdraw_session(held[0].payload["session_id"], "duplicate")  # once
    with pytest.raises(NotFound):
        course.withdraw_session(uuid.uuid4(), "duplicate")
