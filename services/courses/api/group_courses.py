"""Group courses: planning, facilitators, sessions (workshops), participants and the waitlist,
attendance, feedback interviews, WHO-5 and closing (which decides completion)."""
from __future__ import annotations

from datetime import datetime

from runtime.http.audit import audits_in_body
from runtime.errors import InvalidInput
from runtime.http.entrypoint import api
from runtime.http.paging import page_clause
from services.courses import privacy, schemas
from services.courses.api.base import (PLANNERS, READERS, RUNNERS, ApiBase, caller_peer_id, is_peer_only,
                                       principal, today)
from services.courses.domain import competence, published, who5
from services.courses.domain.group_course import GroupCourse

COURSE = "/group-courses/<uuid:course_id>"
SESSION = COURSE + "/sessions/<uuid:session_id>"
_COURSES = ("SELECT c.*, (SELECT count(*) FROM group_participants p WHERE p.course_id = c.id "
            "AND p.status = 'enrolled') AS enrolled, (SELECT count(*) FROM group_participants p "
            "WHERE p.course_id = c.id AND p.status = 'waitlisted') AS waitlisted FROM group_courses c ")


class GroupCoursesApi(ApiBase):
    # -- helpers ------------------------------------------------------------------------------------------
    def _sees_personal(self, request, course_id) -> bool:
        """Names, feedback text and individual scores: the coordinator and the course's facilitators."""
        if principal(request).has("coordinator"):
            return True
        if not principal(request).has("peer"):
            return False
        return self.db.execute("SELECT 1 FROM group_course_facilitators WHERE course_id = %s AND peer_id = %s",
                               (str(course_id), caller_peer_id(request))).fetchone() is not None

    def _decide(self, request, course: GroupCourse, events, expected_version=None) -> dict:
        self._record(course, events, expected_version)
        facts = published.group_course_facts(course, events, today(), privacy.pseudonym)
        for closed in (e.payload for e in events if e.type == "group_course.closed"):
            facts += competence.completion_facts(course, closed, self._mapped_modules(course.id), today(),
                                                 privacy.competence_pseudonym)
        self._publish(facts)
        return self._detail(course.id)

    def _mapped_modules(self, course_id) -> list[dict]:
        """The current version of each module the course counts toward (as this instance received it)."""
        return self.db.execute(
            "SELECT v.* FROM course_competence_modules c JOIN catalogue_modules m USING (module_id) "
            "JOIN catalogue_module_versions v ON v.module_id = m.module_id AND v.module_version = m.current_version "
            "WHERE c.course_id = %s ORDER BY v.module_id", (str(course_id),)).fetchall()

    def _detail(self, course_id) -> dict:
        row = self.db.execute(_COURSES + "WHERE c.id = %s", (str(course_id),)).fetchone()
        facilitators = self.db.execute("SELECT peer_id FROM group_course_facilitators WHERE course_id = %s "
                                       "ORDER BY position", (str(course_id),)).fetchall()
        sessions = self.db.execute("SELECT * FROM group_sessions WHERE course_id = %s ORDER BY starts_at, id",
                                   (str(course_id),)).fetchall()
        return {**row, "facilitator_peer_ids": [f["peer_id"] for f in facilitators], "sessions": sessions}

    # -- courses ------------------------------------------------------------------------------------------
    @api("POST", "/group-courses", allow=PLANNERS, body=schemas.PlanGroupCourse, returns=schemas.GroupCourseDetail,
         status=201, summary="Plan a group course: recovery group, recovery-school course or the peer education")
    def plan_course(self, request, body):
        course = GroupCourse(self._create_id())  # version -1: the stream must not exist yet
        events = GroupCourse.plan(body["kind"], body["title"], body["description"], body["method_ids"],
                                  body["capacity"], body["completion_rule"], self._known_method_ids(),
                                  body["facilitator_peer_ids"])
        self._record(course, events)
        return self._detail(course.id)

    @api("GET", "/group-courses", allow=READERS, returns=schemas.GroupCourseSummary, many=True, paged=True,
         summary="Group courses (a peer: the ones they facilitate), a page at a time")
    def list_courses(self, request, query):
        only_peer = caller_peer_id(request) if is_peer_only(request) else None
        return self.db.execute(
            _COURSES + "WHERE %(peer)s::uuid IS NULL OR EXISTS (SELECT 1 FROM group_course_facilitators f "
            "WHERE f.course_id = c.id AND f.peer_id = %(peer)s::uuid) ORDER BY c.planned_at, c.id" + page_clause(query),
            {"peer": only_peer}).fetchall()

    @api("GET", COURSE, allow=READERS, returns=schemas.GroupCourseDetail,
         summary="A group course with its facilitators and sessions (programme, exercises, time, place)")
    def get_course(self, request, course_id):
        self._group_course(request, course_id)
        return self._detail(course_id)

    @api("PUT", COURSE + "/capacity", allow=PLANNERS, body=schemas.ChangeCapacity,
         returns=schemas.GroupCourseDetail, summary="Change the capacity; freed places go to the waitlist")
    def change_capacity(self, request, course_id, body):
        course = self._group_course(request, course_id)
        return self._decide(request, course, course.change_capacity(body["capacity"]), body["expected_version"])

    @api("POST", COURSE + "/facilitators", allow=PLANNERS, body=schemas.AddFacilitator,
         returns=schemas.GroupCourseDetail, summary="A peer facilitates the course (alone or with colleagues)")
    def add_facilitator(self, request, course_id, body):
        course = self._group_course(request, course_id)
        return self._decide(request, course, course.add_facilitator(body["peer_id"]), body["expected_version"])

    @api("DELETE", COURSE + "/facilitators/<uuid:peer_id>", allow=PLANNERS, returns=schemas.GroupCourseDetail,
         summary="A peer no longer facilitates the course")
    def remove_facilitator(self, request, course_id, peer_id):
        course = self._group_course(request, course_id)
        return self._decide(request, course, course.remove_facilitator(peer_id))

    @api("POST", COURSE + "/close", allow=PLANNERS, body=schemas.Versioned, returns=schemas.GroupCourseDetail,
         summary="Close the course: the completion rule decides who completed (published for the peer education)")
    def close_course(self, request, course_id, body):
        course = self._group_course(request, course_id)
        return self._decide(request, course, course.close(), body["expected_version"])

    @api("POST", COURSE + "/cancel", allow=PLANNERS, body=schemas.CancelCourse, returns=schemas.GroupCourseDetail,
         summary="Cancel a course before any session was held")
    def cancel_course(self, request, course_id, body):
        course = self._group_course(request, course_id)
        return self._decide(request, course, course.cancel(body["reason"]), body["expected_version"])

    # -- sessions -----------------------------------------------------------------------------------------
    @api("POST", COURSE + "/sessions", allow=RUNNERS, body=schemas.ScheduleSession,
         returns=schemas.GroupCourseDetail, status=201, summary="Schedule a session (workshop)")
    def schedule_session(self, request, course_id, body):
        course = self._group_course(request, course_id)
        events = course.schedule_session(body["title"], body["starts_at"], body["ends_at"], body["place"],
                                         body["programme"], body["exercises"], body["facilitator_peer_ids"])
        return self._decide(request, course, events, body["expected_version"])

    @api("PUT", SESSION + "/schedule", allow=RUNNERS, body=schemas.RescheduleSession,
         returns=schemas.GroupCourseDetail, summary="Move a session in time or place")
    def reschedule_session(self, request, course_id, session_id, body):
        course = self._group_course(request, course_id)
        events = course.reschedule_session(session_id, body["starts_at"], body["ends_at"], body["place"])
        return self._decide(request, course, events, body["expected_version"])

    @api("PUT", SESSION + "/programme", allow=RUNNERS, body=schemas.SetProgramme,
         returns=schemas.GroupCourseDetail, summary="Set a session's programme and exercises")
    def set_programme(self, request, course_id, session_id, body):
        course = self._group_course(request, course_id)
        events = course.set_programme(session_id, body["programme"], body["exercises"])
        return self._decide(request, course, events, body["expected_version"])

    @api("POST", SESSION + "/cancel", allow=RUNNERS, body=schemas.Versioned, returns=schemas.GroupCourseDetail,
         summary="Cancel a session")
    def cancel_session(self, request, course_id, session_id, body):
        course = self._group_course(request, course_id)
        return self._decide(request, course, course.cancel_session(session_id), body["expected_version"])

    @api("POST", SESSION + "/held", allow=RUNNERS, body=schemas.HoldSession, returns=schemas.GroupCourseDetail,
         summary="The session took place: who facilitated, and attendance (published as peer activities)")
    def hold_session(self, request, course_id, session_id, body):
        course = self._group_course(request, course_id)
        held_at = body["held_at"] or datetime.fromisoformat(course.session(session_id).starts_at)
        events = course.hold_session(session_id, held_at, body["facilitations"], body["attendance"])
        return self._decide(request, course, events, body["expected_version"])

    @api("PUT", SESSION + "/attendance/<uuid:participant_id>", allow=RUNNERS, body=schemas.RecordAttendance,
         returns=schemas.ParticipantView, summary="Record or correct one participant's attendance")
    @audits_in_body("citizen_record")
    def record_attendance(self, request, course_id, session_id, participant_id, body):
        course = self._group_course(request, course_id)
        events = course.record_attendance(session_id, participant_id, body["status"], body["minutes_late"])
        self._decide(request, course, events, body["expected_version"])
        return self._participants(request, course, only=str(participant_id))[0]

    # -- participants -------------------------------------------------------------------------------------
    def _participants(self, request, course: GroupCourse, only: str | None = None) -> list[dict]:
        personal = self._sees_personal(request, course.id)
        rows = self.db.execute(
            "SELECT p.*, c.name FROM group_participants p LEFT JOIN citizens c ON c.id = p.citizen_id "
            "WHERE p.course_id = %s ORDER BY p.listed_position", (str(course.id),)).fetchall()
        rows = [r for r in rows if only is None or str(r["id"]) == only]
        if personal:
            self._audit(request, "citizen_record", [r["citizen_id"] for r in rows if r["name"]],
                        "the course's participants, for the coordinator or a facilitator")
            rows = self.vault.open(rows)
        waitlist = {pid: position for position, pid in enumerate(course.waitlist, start=1)}
        result = []
        for row in rows:
            participant = course.participants[str(row["id"])]
            outcome = course.outcome_of(participant)
            result.append({
                **row, "name": row["name"] if personal else None,
                "waitlist_position": waitlist.get(str(row["id"])), "sessions_attended": outcome.attended,
                "sessions_expected": outcome.expected, "meets_completion_rule": outcome.completed,
                "attendance": {s: status for (s, pid), status in course.attendance.items() if pid == participant.id}})
        return result

    @api("POST", COURSE + "/participants", allow=RUNNERS, body=schemas.Enroll, returns=schemas.ParticipantView,
         status=201, summary="Enrol a participant; when the course is full they join the waitlist")
    @audits_in_body("citizen_record")
    def enroll(self, request, course_id, body):
        course = self._group_course(request, course_id)
        if body["citizen_id"] is not None and self.db.execute(
                "SELECT 1 FROM citizens WHERE id = %s", (str(body["citizen_id"]),)).fetchone() is None:
            raise InvalidInput.field("citizen_id", "no citizen with this id")
        participant_id = self._create_id()
        events = course.enroll(body["participant_type"], body["citizen_id"], body["peer_id"], participant_id)
        self._decide(request, course, events, body["expected_version"])
        return self._participants(request, course, only=str(participant_id))[0]

    @api("GET", COURSE + "/participants", allow=READERS, returns=schemas.ParticipantView, many=True,
         summary="Participants, waitlist and attendance (names only for the coordinator and facilitators)")
    @audits_in_body("citizen_record")
    def list_participants(self, request, course_id):
        return self._participants(request, self._group_course(request, course_id))

    @api("POST", COURSE + "/participants/<uuid:participant_id>/withdraw", allow=RUNNERS, body=schemas.Versioned,
         returns=schemas.ParticipantView, many=True,
         summary="A participant withdraws; the first on the waitlist gets the place")
    @audits_in_body("citizen_record")
    def withdraw(self, request, course_id, participant_id, body):
        course = self._group_course(request, course_id)
        self._decide(request, course, course.withdraw(participant_id), body["expected_version"])
        return self._participants(request, course)

    # -- feedback and WHO-5 -------------------------------------------------------------------------------
    @api("POST", COURSE + "/feedback", allow=RUNNERS, body=schemas.GiveFeedback, returns=schemas.FeedbackView,
         status=201, summary="Record participant feedback from an evaluation interview (free text: personal)")
    def give_feedback(self, request, course_id, body):
        course = self._group_course(request, course_id)
        interviewer = body["interviewed_by"] or (caller_peer_id(request) if is_peer_only(request) else None)
        if interviewer is None:
            raise InvalidInput.field("interviewed_by", "required when the caller is not a peer")
        events = course.give_feedback(body["participant_id"], interviewer, body["text"], body["rating"],
                                      body["session_id"])
        self._decide(request, course, events, body["expected_version"])
        return self._feedback(request, course_id, only=events[0].payload["feedback_id"])[0]

    def _feedback(self, request, course_id, only: str | None = None) -> list[dict]:
        personal = self._sees_personal(request, course_id)
        rows = self.db.execute("SELECT * FROM group_feedback WHERE course_id = %s "
                               "AND (%s::uuid IS NULL OR id = %s::uuid) ORDER BY given_at, id",
                               (str(course_id), only, only)).fetchall()
        if not personal:
            return [{k: v for k, v in row.items() if k != "text"} for row in rows]
        self._audit(request, "course_participant", [r["person_id"] for r in rows],
                    "feedback interviews, for the coordinator or a facilitator")
        return self.vault.open(rows)

    @api("GET", COURSE + "/feedback", allow=READERS, returns=schemas.FeedbackView, many=True,
         summary="Feedback; the free text only for the coordinator and the facilitators")
    def list_feedback(self, request, course_id):
        self._group_course(request, course_id)
        return self._feedback(request, course_id)

    @api("POST", COURSE + "/who5", allow=RUNNERS, body=schemas.RecordGroupWho5, returns=schemas.Who5Score,
         status=201, summary="Record a participant's WHO-5 answers (start or end); the service scores them")
    def record_who5(self, request, course_id, body):
        course = self._group_course(request, course_id)
        events = course.record_who5(body["participant_id"], body["timing"], body["items"])
        self._decide(request, course, events, body["expected_version"])
        payload = events[0].payload
        return {"respondent_id": payload["participant_id"], "timing": payload["timing"],
                "raw_score": payload["raw_score"], "score": payload["score"]}

    @api("GET", COURSE + "/who5", allow=READERS, returns=schemas.Who5Overview,
         summary="WHO-5 distributions (individual scores only for the coordinator and facilitators)")
    def who5_overview(self, request, course_id):
        self._group_course(request, course_id)
        rows = self.vault.open(self.db.execute(
            "SELECT * FROM who5_measurements WHERE course_id = %s ORDER BY respondent_id, timing",
            (str(course_id),)).fetchall())
        # An erased person's scores open as None: they no longer count.
        scores = {t: [r["score"] for r in rows if r["timing"] == t and r["score"] is not None]
                  for t in ("start", "end")}
        overview = {"distributions": [who5.distribution(t, s) for t, s in scores.items() if s], "scores": []}
        if self._sees_personal(request, course_id):
            self._audit(request, "course_participant", [r["person_id"] for r in rows],
                        "WHO-5 scores, for the coordinator or a facilitator")
            overview["scores"] = rows
        return overview
