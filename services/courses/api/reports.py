"""Calendars (iCalendar per peer and per course) and the hours report (JSON or CSV)."""
from __future__ import annotations

from werkzeug.wrappers import Response

from runtime import ical
from runtime.config import settings
from runtime.errors import Forbidden
from runtime.http.entrypoint import api
from services.courses import calendars, hours, schemas, texts
from services.courses.api.base import READERS, ApiBase, caller_peer_id, is_peer_only

_SESSIONS = ("SELECT s.*, c.title AS course_title, c.kind FROM group_sessions s "
             "JOIN group_courses c ON c.id = s.course_id ")


def _own_only(request, peer_id) -> None:
    if is_peer_only(request) and str(peer_id) != caller_peer_id(request):
        raise Forbidden("peer_id: a peer sees only their own calendar and hours")


class ReportsApi(ApiBase):
    @api("GET", "/calendars/peers/<uuid:peer_id>.ics", allow=READERS, produces="text/calendar",
         summary="iCalendar feed (text/calendar) of the sessions a peer facilitates or takes part in")
    def peer_calendar(self, request, peer_id):
        _own_only(request, peer_id)
        sessions = self.db.execute(
            _SESSIONS + "WHERE s.course_id IN (SELECT course_id FROM group_course_facilitators WHERE peer_id = %(p)s "
            "UNION SELECT course_id FROM group_participants WHERE peer_id = %(p)s AND status = 'enrolled') "
            "AND c.status <> 'cancelled' ORDER BY s.starts_at, s.id", {"p": str(peer_id)}).fetchall()
        name = texts.render("calendar_names.txt.j2", peer_feed=True, course_title="")
        return ical.response(calendars.feed(name, sessions, settings().instance_id))

    @api("GET", "/calendars/group-courses/<uuid:course_id>.ics", allow=READERS, produces="text/calendar",
         summary="iCalendar feed (text/calendar) of a group course's sessions")
    def course_calendar(self, request, course_id):
        course = self._group_course(request, course_id)
        sessions = self.db.execute(_SESSIONS + "WHERE s.course_id = %s ORDER BY s.starts_at, s.id",
                                   (str(course_id),)).fetchall()
        name = texts.render("calendar_names.txt.j2", peer_feed=False, course_title=course.title)
        return ical.response(calendars.feed(name, sessions, settings().instance_id))

    def _hours(self, request, query: dict) -> list[dict]:
        if is_peer_only(request):
            query["peer_id"] = query["peer_id"] or caller_peer_id(request)
            _own_only(request, query["peer_id"])
        return hours.rows(self.db.conn, query["from_"], query["to"], query["peer_id"])

    @api("GET", "/reports/hours", allow=READERS, query=schemas.HoursQuery, returns=schemas.HoursRow, many=True,
         summary="Hours per peer and month (?from=YYYY-MM-DD&to=YYYY-MM-DD[&peer_id=]); a peer sees their own")
    def hours_report(self, request, query):
        return self._hours(request, query)

    @api("GET", "/reports/hours.csv", allow=READERS, query=schemas.HoursQuery, produces="text/csv",
         summary="The hours report as CSV (text/csv), same query as /reports/hours")
    def hours_csv(self, request, query):
        body = hours.to_csv(self._hours(request, query))
        return Response(body, status=200, mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="timer.csv"'})

