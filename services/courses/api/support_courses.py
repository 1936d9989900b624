"""Individual support courses: a citizen and a peer matched by a coordinator, the citizen's goals,
sessions (published as peer activities), WHO-5, and closing with an evaluation."""
from __future__ import annotations

from runtime.http.audit import audits_in_body
from runtime.errors import Forbidden, InvalidInput
from runtime.http.entrypoint import api
from runtime.http.paging import page_clause
from services.courses import schemas
from services.courses.api.base import MATCHERS, SUPPORTERS, ApiBase, caller_peer_id, is_peer_only, today
from services.courses.domain import published
from services.courses.domain.outcome_pool import POOL_ID, SupportOutcomePool
from services.courses.domain.support_course import SupportCourse

COURSE = "/support-courses/<uuid:course_id>"


class SupportCoursesApi(ApiBase):
    def _support_course(self, request, course_id) -> SupportCourse:
        """The course; a caller acting as a peer must be the matched peer."""
        course = self._load(SupportCourse, course_id)
        if is_peer_only(request) and not course.is_matched_peer(caller_peer_id(request)):
            raise Forbidden("course: only the matched peer and the coordinator work with this course")
        return course

    def _decide_support(self, request, course: SupportCourse, events, expected_version=None) -> dict:
        self._record(course, events, expected_version)
        self._publish(published.support_course_facts(course, events, today()))
        return self._support_detail(request, course.id)

    def _support_detail(self, request, course_id) -> dict:
        cid = str(course_id)
        row = self.db.execute("SELECT s.*, c.name AS citizen_name FROM support_courses s "
                              "LEFT JOIN citizens c ON c.id = s.citizen_id WHERE s.id = %s", (cid,)).fetchone()
        self._audit(request, "citizen_record", [row["citizen_id"]],
                    "the individual support course, for the coordinator or the matched peer")
        return self.vault.open({
            **row,
            "matches": self.db.execute("SELECT * FROM support_matches WHERE course_id = %s ORDER BY matched_at",
                                       (cid,)).fetchall(),
            "goals": self.db.execute("SELECT * FROM support_goals WHERE course_id = %s ORDER BY set_at, id",
                                     (cid,)).fetchall(),
            "sessions": self.db.execute("SELECT * FROM support_sessions WHERE course_id = %s ORDER BY held_at, id",
                                        (cid,)).fetchall(),
            "who5": self.db.execute("SELECT * FROM who5_measurements WHERE course_id = %s ORDER BY timing",
                                    (cid,)).fetchall(),
        })

    @api("POST", "/support-courses", allow=MATCHERS, body=schemas.OpenSupportCourse,
         returns=schemas.SupportCourseDetail, status=201,
         summary="Open an individual support course for a citizen (optionally matching a peer at once)")
    @audits_in_body("citizen_record")
    def open_support_course(self, request, body):
        if self.db.execute("SELECT 1 FROM citizens WHERE id = %s", (str(body["citizen_id"]),)).fetchone() is None:
            raise InvalidInput.field("citizen_id", "no citizen with this id")
        unknown = [str(m) for m in body["method_ids"] if m not in self._known_method_ids()]
        if unknown:
            raise InvalidInput.field("method_ids", "unknown method id(s): " + ", ".join(unknown))
        course = SupportCourse(self._create_id())
        return self._decide_support(request, course, SupportCourse.open(body["citizen_id"], body["method_ids"],
                                                                        body["peer_id"]))

    @api("GET", "/support-courses", allow=SUPPORTERS, returns=schemas.SupportCourseSummary, many=True, paged=True,
         summary="Support courses (a peer: the ones they are matched with), a page at a time")
    def list_support_courses(self, request, query):
        only_peer = caller_peer_id(request) if is_peer_only(request) else None
        return self.db.execute("SELECT * FROM support_courses WHERE %(peer)s::uuid IS NULL OR peer_id = %(peer)s::uuid "
                               "ORDER BY opened_at, id" + page_clause(query), {"peer": only_peer}).fetchall()

    @api("GET", COURSE, allow=SUPPORTERS, returns=schemas.SupportCourseDetail,
         summary="A support course with goals, sessions and WHO-5 (audited: special-category data)")
    @audits_in_body("citizen_record")
    def get_support_course(self, request, course_id):
        return self._support_detail(request, self._support_course(request, course_id).id)

    @api("POST", COURSE + "/match", allow=MATCHERS, body=schemas.MatchPeer, returns=schemas.SupportCourseDetail,
         summary="Match a peer with the citizen")
    @audits_in_body("citizen_record")
    def match_peer(self, request, course_id, body):
        course = self._support_course(request, course_id)
        return self._decide_support(request, course, course.match(body["peer_id"]), body["expected_version"])

    @api("POST", COURSE + "/match/replace", allow=MATCHERS, body=schemas.ReplaceMatch,
         returns=schemas.SupportCourseDetail, summary="Replace a match that does not work")
    @audits_in_body("citizen_record")
    def replace_match(self, request, course_id, body):
        course = self._support_course(request, course_id)
        return self._decide_support(request, course, course.replace_match(body["peer_id"], body["reason"]),
                                    body["expected_version"])

    @api("POST", COURSE + "/goals", allow=SUPPORTERS, body=schemas.SetGoal, returns=schemas.SupportCourseDetail,
         status=201, summary="Record one of the citizen's own goals")
    @audits_in_body("citizen_record")
    def set_goal(self, request, course_id, body):
        course = self._support_course(request, course_id)
        return self._decide_support(request, course, course.set_goal(body["text"]), body["expected_version"])

    @api("PUT", COURSE + "/goals/<uuid:goal_id>", allow=SUPPORTERS, body=schemas.ChangeGoalStatus,
         returns=schemas.SupportCourseDetail, summary="A goal is reached, dropped or active again")
    @audits_in_body("citizen_record")
    def change_goal_status(self, request, course_id, goal_id, body):
        course = self._support_course(request, course_id)
        return self._decide_support(request, course, course.change_goal_status(goal_id, body["status"]),
                                    body["expected_version"])

    @api("POST", COURSE + "/sessions", allow=SUPPORTERS, body=schemas.HoldSupportSession,
         returns=schemas.SupportCourseDetail, status=201,
         summary="Record a session held: conversation, companionship or accompaniment (a peer activity)")
    @audits_in_body("citizen_record")
    def hold_support_session(self, request, course_id, body):
        course = self._support_course(request, course_id)
        peer_id = body["peer_id"] or (caller_peer_id(request) if is_peer_only(request) else course.peer_id)
        if is_peer_only(request) and str(peer_id) != caller_peer_id(request):
            raise Forbidden("peer_id: a peer records only their own sessions")
        if peer_id is None:
            raise InvalidInput.field("peer_id", "no peer is matched with the citizen yet")
        events = course.hold_session(peer_id, body["kind"], body["held_at"], body["duration_minutes"], body["note"])
        return self._decide_support(request, course, events, body["expected_version"])

    @api("POST", COURSE + "/sessions/<uuid:session_id>/withdraw", allow=SUPPORTERS, body=schemas.WithdrawSession,
         returns=schemas.SupportCourseDetail, summary="Withdraw a session recorded by mistake (no longer counts)")
    @audits_in_body("citizen_record")
    def withdraw_support_session(self, request, course_id, session_id, body):
        course = self._load(SupportCourse, course_id)  # also after closing, and by the peer who held it
        if is_peer_only(request) and course.session_peers.get(str(session_id)) != caller_peer_id(request):
            raise Forbidden("session: a peer withdraws only sessions they held")
        return self._decide_support(request, course, course.withdraw_session(session_id, body["reason"]),
                                    body["expected_version"])

    @api("POST", COURSE + "/who5", allow=SUPPORTERS, body=schemas.RecordSupportWho5,
         returns=schemas.SupportCourseDetail, status=201,
         summary="Record the citizen's WHO-5 answers (start or end); the service scores them")
    @audits_in_body("citizen_record")
    def record_support_who5(self, request, course_id, body):
        course = self._support_course(request, course_id)
        return self._decide_support(request, course, course.record_who5(body["timing"], body["items"]),
                                    body["expected_version"])

    @api("POST", COURSE + "/close", allow=SUPPORTERS, body=schemas.CloseSupportCourse,
         returns=schemas.SupportCourseDetail, summary="Close the course with an evaluation")
    @audits_in_body("citizen_record")
    def close_support_course(self, request, course_id, body):
        course = self._support_course(request, course_id)
        detail = self._decide_support(request, course, course.close(body["reason"], body["evaluation"]),
                                      body["expected_version"])
        self._report_outcomes()
        return detail

    def _report_outcomes(self) -> None:
        """Closed courses' WHO-5 go nationally in batches (domain/outcome_pool.py)."""
        pool = SupportOutcomePool.from_events(POOL_ID, self.db.read_stream(SupportOutcomePool.stream_of(POOL_ID)))
        rows = self.vault.open(self.db.execute(
            "SELECT w.course_id, w.timing, w.score FROM who5_measurements w JOIN support_courses s "
            "ON s.id = w.course_id WHERE s.status = 'closed' AND w.course_type = 'support_course'").fetchall())
        measured: dict[str, dict] = {}
        for row in rows:
            measured.setdefault(str(row["course_id"]), {})[row["timing"]] = row["score"]
        self._record(pool, pool.report(measured, today()))
