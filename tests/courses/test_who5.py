"""WHO-5: scored by the service (raw 0-25, x 4 = 0-100); only distributions leave the instance."""
import uuid
from datetime import date

import pytest

from runtime.domain import InvalidValue
from services.courses.domain import who5
from services.courses.domain.published import group_course_facts
from tests.courses.helpers import add_sessions, decide, enroll, hold, planned_course


def test_raw_score_times_four():
    assert who5.score([5, 5, 5, 5, 5]) == {"items": [5, 5, 5, 5, 5], "raw_score": 25, "score": 100}
    assert who5.score([0, 1, 2, 3, 4])["score"] == 40
    assert who5.score([0, 0, 0, 0, 0])["score"] == 0


@pytest.mark.parametrize("items, field", [([1, 2, 3, 4], "items"), ([1, 2, 3, 4, 5, 1], "items"),
                                          ([1, 2, 6, 4, 5], "items[2]"), ([1, -1, 3, 4, 5], "items[1]"),
                                          ([1, 2, 3, 4, True], "items[4]"), ([1, 2, 3.5, 4, 5], "items[2]")])
def test_five_answers_of_zero_to_five(items, field):
    with pytest.raises(InvalidValue) as refused:
        who5.score(items)
    assert refused.value.errors[0]["field"] == field


def test_the_client_cannot_send_its_own_score():
    course, _ = planned_course()
    p = enroll(course, 1)[0]
    event = course.record_who5(p, "start", [3, 3, 3, 3, 3])[0]
    assert (event.payload["raw_score"], event.payload["score"]) == (15, 60)


def test_distribution_buckets_and_below_50():
    assert who5.distribution("start", [0, 19, 20, 48, 52, 80, 100]) == {
        "timing": "start", "count": 7, "buckets": [2, 1, 2, 0, 2], "below_50": 4}


def test_small_groups_are_suppressed():
    assert who5.report({"start": [40] * 4, "end": [60] * 4}) == (True, [])
    assert who5.report({"start": [40] * 5, "end": [60] * 4}) == (True, [])
    suppressed, distributions = who5.report({"start": [40] * 5, "end": [60] * 5})
    assert not suppressed and [d["count"] for d in distributions] == [5, 5]


def closed_course_with_scores(n):
    course, _ = planned_course(kind="recovery_group", rule={"min_sessions_attended": 1, "min_attendance_percent": 0})
    session = add_sessions(course, 1)[0]
    people = enroll(course, n)
    for p in people:
        decide(course, course.record_who5(p, "start", [2, 2, 2, 2, 2]))
        decide(course, course.record_who5(p, "end", [4, 4, 4, 4, 4]))
    hold(course, session, {p: "present" for p in people})
    events = decide(course, course.close())
    return course, group_course_facts(course, events, date(2020, 4, 30), lambda p: "x")


def test_a_closed_course_reports_distributions_and_nothing_about_anyone():
    course, facts = closed_course_with_scores(6)
    [(stream, event)] = [f for f in facts if f[1].type == "outcome.who5_distribution_reported"]
    assert stream == f"outcome-{course.id}"
    assert event.payload == {"course_type": "group_course", "course_kind": "recovery_group",
                             "closed_on": "2020-04-30", "suppressed": False, "distributions": [
                                 {"timing": "start", "count": 6, "buckets": [None] * 5, "below_50": None},
                                 {"timing": "end", "count": 6, "buckets": [None] * 5, "below_50": None}]}


def test_a_small_closed_course_reports_suppressed():
    _, facts = closed_course_with_scores(3)
    [event] = [e for _, e in facts if e.type == "outcome.who5_distribution_reported"]
    assert event.payload["suppressed"] is True and event.payload["distributions"] == []


def test_individual_courses_go_nationally_only_in_batches_with_start_and_end():
    from services.courses.domain.outcome_pool import SupportOutcomePool

    pool = SupportOutcomePool()
    ids = sorted(str(uuid.uuid4()) for _ in range(6))
    measured = {ids[n]: {"start": 20 + n, "end": 60 + n} for n in range(4)}
    measured[str(uuid.uuid4())] = {"start": 40}  # never measured at the end: never reported
    assert pool.report(measured, date(2024, 5, 1)) == []  # four complete courses: too few
    measured[ids[4]] = {"start": 24, "end": 84}
    batch, report = decide(pool, pool.report(measured, date(2024, 5, 1)))
    assert batch.payload["course_ids"] == ids[:5]
    assert report.payload == {"course_type": "support_course", "course_kind": "individual",
                              "closed_on": "2024-05-01", "suppressed": False, "distributions": [
                                  {"timing": "start", "count": 5, "buckets": [None] * 5, "below_50": None},
                                  {"timing": "end", "count": 5, "buckets": [None] * 5, "below_50": None}]}
    measured[ids[5]] = {"start": 10, "end": 10}
    assert pool.report(measured, date(2024, 5, 2)) == []  # nobody is reported twice


# -- the national disclosure rules (docs/security.md, "The national level"), one test each --------------
def test_rule_a_distribution_where_everyone_shares_a_band_is_hidden_whole():
    """Guards issue 8 item 10: a five-person course whose distribution is one band told each
    completer's band although the group was "large enough". Also when all but one or two share it."""
    for scores in ([50] * 5, [50] * 4 + [90], [50] * 5 + [0, 90]):
        [shown] = who5.report({"start": scores})[1]
        assert shown["buckets"] == [None] * 5 and shown["below_50"] is None
        assert shown["count"] == len(scores)


def test_rule_small_bands_are_hidden_with_complementary_suppression():
    """Guards item 10: a band of one or two people singles them out; hiding it alone is not enough,
    since the total minus the bands shown gives it back, so more bands are hidden until the hidden
    ones hold at least MIN_CELL people."""
    scores = [10, 10, 10, 30, 30, 30, 50, 70, 70, 70]  # bands [3, 3, 1, 3, 0]
    [shown] = who5.report({"start": scores})[1]
    hidden = [i for i, n in enumerate(shown["buckets"]) if n is None]
    true = who5.distribution("start", scores)["buckets"]
    assert 2 in hidden and len(hidden) >= 2 and sum(true[i] for i in hidden) >= who5.MIN_CELL
    assert all(n is None or n == 0 or n >= who5.MIN_CELL for n in shown["buckets"])
    assert shown["below_50"] is None  # it would give the hidden bands back


def test_rule_below_50_is_shown_only_when_it_singles_nobody_out():
    """Guards item 10: `below_50` beside the bands tells how many of the 40-59 band scored under 50."""
    spread = [0, 4, 8, 20, 24, 28, 40, 44, 48, 60, 64, 68, 80, 84, 88]  # 3 a band, all of 40-59 under 50
    [shown] = who5.report({"start": spread})[1]
    assert shown["buckets"] == [3, 3, 3, 3, 3] and shown["below_50"] == 9
    one_above = spread[:8] + [52] + spread[9:]  # 40-59 splits 2 under / 1 over 50: would single out
    [shown] = who5.report({"start": one_above})[1]
    assert shown["buckets"] == [3, 3, 3, 3, 3] and shown["below_50"] is None


def test_rule_groups_below_the_threshold_are_withheld_whole():
    """The group-size rule, kept: fewer than REPORTING_THRESHOLD at any timing withholds the report."""
    assert who5.report({"start": [10, 30, 50, 70], "end": [10, 30, 50, 70, 90]}) == (True, [])
