"""Meetings of a network or a workplace: scheduling (once, weekly, monthly) with exceptions, theme and
agenda per occurrence, invitations, sign-up, attendance and cancellations."""
from __future__ import annotations

import copy

from runtime.http.auth import caller_peer_id, is_peer_only, principal_of
from runtime.errors import Forbidden
from runtime.http.entrypoint import api
from runtime.http.paging import page_clause
from services.network import schemas
from services.network.api.base import MEMBERS, ORGANISERS, READERS, ApiBase
from services.network.domain import published
from services.network.domain.meeting import Meeting
from services.network.domain.network import Network

MEETING = "/meetings/<uuid:meeting_id>"
OCCURRENCE = MEETING + "/occurrences/<occurrence>"
_OCCURRENCES = ("SELECT o.*, (SELECT count(*) FROM meeting_sign_ups s WHERE s.meeting_id = o.meeting_id AND "
                "s.occurrence = o.occurrence) AS signed_up, (SELECT count(*) FROM meeting_attendance a WHERE "
                "a.meeting_id = o.meeting_id AND a.occurrence = o.occurrence AND a.status = 'present') AS attended "
                "FROM meeting_occurrences o ")


class MeetingsApi(ApiBase):
    def _decide_meeting(self, meeting: Meeting, events, expected_version=None) -> None:
        before = copy.deepcopy(meeting)
        self._record(meeting, events, expected_version)
        self._publish(published.meeting_facts(before, meeting, events, self._invited(meeting), self._kind_of))

    def _meeting_detail(self, meeting_id) -> dict:
        row = self.db.execute("SELECT * FROM meetings WHERE id = %s", (str(meeting_id),)).fetchone()
        invitees = self.db.execute("SELECT peer_id FROM meeting_invitees WHERE meeting_id = %s ORDER BY peer_id",
                                   (str(meeting_id),)).fetchall()
        occurrences = self.db.execute(_OCCURRENCES + "WHERE o.meeting_id = %s ORDER BY o.starts_at, o.occurrence",
                                      (str(meeting_id),)).fetchall()
        return {**row, "invitee_peer_ids": [i["peer_id"] for i in invitees], "occurrences": occurrences}

    def _occurrence_detail(self, request, meeting: Meeting, occurrence: str) -> dict:
        meeting.occurrence(occurrence)
        row = self.db.execute(_OCCURRENCES + "WHERE o.meeting_id = %s AND o.occurrence = %s",
                              (str(meeting.id), occurrence)).fetchone()
        sign_ups = self.db.execute("SELECT * FROM meeting_sign_ups WHERE meeting_id = %s AND occurrence = %s "
                                   "ORDER BY position", (str(meeting.id), occurrence)).fetchall()
        attendance = self.db.execute("SELECT peer_id, status FROM meeting_attendance WHERE meeting_id = %s AND "
                                     "occurrence = %s ORDER BY peer_id", (str(meeting.id), occurrence)).fetchall()
        me = caller_peer_id(request) if is_peer_only(request) else None
        all_notes = self._sees_notes(request, meeting)
        shown = [s for s in sign_ups if s["note"] and (all_notes or str(s["peer_id"]) == me)]
        self._audit(request, "meeting_sign_up_note", [s["peer_id"] for s in shown],
                    "what a peer needs to take part, for the peer and the meeting's organisers")
        opened = {id(s): self.vault.open(s["note"], field="note") for s in shown}
        views = [{**s, "note": opened.get(id(s))} for s in sign_ups]
        return {**row, "sign_ups": views, "attendance": attendance}

    def _check_scheduler(self, request, body) -> None:
        """A network's meetings: its facilitators or a coordinator; a workplace's: a coordinator, or a peer
        who facilitates it."""
        if not is_peer_only(request):
            if not principal_of(request).has("coordinator"):
                raise Forbidden("meeting: only facilitators or a coordinator schedule meetings")
            return
        me = caller_peer_id(request)
        if body["network_id"] is not None:
            if not self._load(Network, body["network_id"]).is_facilitator(me):
                raise Forbidden("network_id: only the network's facilitators (or a coordinator) schedule its meetings")
        elif me not in {str(p) for p in body["facilitator_peer_ids"]}:
            raise Forbidden("facilitator_peer_ids: a peer schedules a workplace meeting they facilitate")

    # -- meetings -------------------------------------------------------------------------------------------
    @api("POST", "/meetings", allow=ORGANISERS, body=schemas.ScheduleMeeting, returns=schemas.MeetingDetail,
         status=201, summary="Schedule a meeting (network meeting, group supervision, sparring or development "
                             "meeting), once or recurring")
    def schedule_meeting(self, request, body):
        if body["network_id"] is not None:
            self._load(Network, body["network_id"])
        self._check_scheduler(request, body)
        for peer_id in body["facilitator_peer_ids"]:
            self._peer_kind(peer_id, "facilitator_peer_ids")
        for peer_id in body["invitee_peer_ids"]:
            self._peer_kind(peer_id, "invitee_peer_ids")
        meeting = Meeting(self._create_id())
        events = Meeting.schedule(body["kind"], body["title"], body["place"], body["schedule"], body["network_id"],
                                  body["workplace"], body["facilitator_peer_ids"])
        draft = Meeting(meeting.id)
        draft.apply(events[0].type, events[0].payload)
        events += draft.invite(body["invitee_peer_ids"])
        self._decide_meeting(meeting, events)
        return self._meeting_detail(meeting.id)

    @api("GET", "/meetings", allow=READERS, returns=schemas.MeetingSummary, many=True, paged=True,
         summary="Meetings (a peer: the ones they take part in), with the next occurrence, a page at a time")
    def list_meetings(self, request, query):
        peer = caller_peer_id(request) if is_peer_only(request) else None
        return self.db.execute(
            "SELECT m.*, (SELECT min(o.starts_at) FROM meeting_occurrences o WHERE o.meeting_id = m.id AND "
            "o.status = 'scheduled' AND o.starts_at > now()) AS next_starts_at FROM meetings m "
            "WHERE %(p)s::uuid IS NULL OR m.facilitator_peer_ids ? %(p)s::text "
            "OR EXISTS (SELECT 1 FROM meeting_invitees i WHERE i.meeting_id = m.id AND i.peer_id = %(p)s::uuid) "
            "OR EXISTS (SELECT 1 FROM network_members n WHERE n.network_id = m.network_id AND n.peer_id = %(p)s::uuid) "
            "ORDER BY m.scheduled_at, m.id" + page_clause(query), {"p": peer}).fetchall()

    @api("GET", MEETING, allow=READERS, returns=schemas.MeetingDetail,
         summary="A meeting with its schedule, invitees and occurrences (theme, agenda, counts)")
    def get_meeting(self, request, meeting_id):
        self._meeting(request, meeting_id)
        return self._meeting_detail(meeting_id)

    @api("POST", MEETING + "/invitations", allow=ORGANISERS, body=schemas.Invite, returns=schemas.MeetingDetail,
         summary="Invite peers to every occurrence (a network's members are invited already)")
    def invite(self, request, meeting_id, body):
        meeting = self._meeting(request, meeting_id, organise=True)
        for peer_id in body["peer_ids"]:
            self._peer_kind(peer_id, "peer_ids")
        self._decide_meeting(meeting, meeting.invite(body["peer_ids"]), body["expected_version"])
        return self._meeting_detail(meeting_id)

    @api("POST", MEETING + "/cancel", allow=ORGANISERS, body=schemas.Cancel, returns=schemas.MeetingDetail,
         summary="Cancel the meeting: every occurrence not yet held")
    def cancel_meeting(self, request, meeting_id, body):
        meeting = self._meeting(request, meeting_id, organise=True)
        self._decide_meeting(meeting, meeting.cancel(body["reason"]), body["expected_version"])
        return self._meeting_detail(meeting_id)

    # -- occurrences ------------------------------------------------------------------------------------------
    @api("GET", OCCURRENCE, allow=READERS, returns=schemas.OccurrenceDetail,
         summary="One occurrence with sign-ups and attendance (notes: the peer's own; all for organisers)")
    def get_occurrence(self, request, meeting_id, occurrence):
        return self._occurrence_detail(request, self._meeting(request, meeting_id), occurrence)

    @api("PUT", OCCURRENCE + "/schedule", allow=ORGANISERS, body=schemas.MoveOccurrence,
         returns=schemas.OccurrenceDetail, summary="Move one occurrence in time or place (an exception)")
    def move_occurrence(self, request, meeting_id, occurrence, body):
        meeting = self._meeting(request, meeting_id, organise=True)
        events = meeting.move(occurrence, body["starts_at"], body["ends_at"], body["place"], body["reason"])
        self._decide_meeting(meeting, events, body["expected_version"])
        return self._occurrence_detail(request, meeting, occurrence)

    @api("POST", OCCURRENCE + "/cancel", allow=ORGANISERS, body=schemas.Cancel, returns=schemas.OccurrenceDetail,
         summary="Cancel one occurrence (an exception)")
    def cancel_occurrence(self, request, meeting_id, occurrence, body):
        meeting = self._meeting(request, meeting_id, organise=True)
        self._decide_meeting(meeting, meeting.cancel_occurrence(occurrence, body["reason"]), body["expected_version"])
        return self._occurrence_detail(request, meeting, occurrence)

    @api("PUT", OCCURRENCE + "/agenda", allow=ORGANISERS, body=schemas.SetAgenda, returns=schemas.OccurrenceDetail,
         summary="Theme and agenda of one occurrence (a sparring meeting: one of seed 001's themes)")
    def set_agenda(self, request, meeting_id, occurrence, body):
        meeting = self._meeting(request, meeting_id, organise=True)
        events = meeting.set_agenda(occurrence, body["theme"], body["agenda"])
        self._decide_meeting(meeting, events, body["expected_version"])
        return self._occurrence_detail(request, meeting, occurrence)

    @api("POST", OCCURRENCE + "/sign-ups", allow=MEMBERS, body=schemas.SignUp, returns=schemas.OccurrenceDetail,
         status=201, summary="Sign up for one occurrence (a peer themselves; a coordinator for a peer)")
    def sign_up(self, request, meeting_id, occurrence, body):
        meeting = self._meeting(request, meeting_id)
        peer_id = self._acting_peer(request, body["peer_id"])
        events = meeting.sign_up(occurrence, peer_id, body["note"], peer_id in self._invited(meeting))
        self._decide_meeting(meeting, events, body["expected_version"])
        return self._occurrence_detail(request, meeting, occurrence)

    @api("DELETE", OCCURRENCE + "/sign-ups/<uuid:peer_id>", allow=MEMBERS, returns=schemas.OccurrenceDetail,
         summary="Withdraw a sign-up (a peer their own; a coordinator any)")
    def cancel_sign_up(self, request, meeting_id, occurrence, peer_id):
        meeting = self._meeting(request, meeting_id)
        self._acting_peer(request, peer_id)
        self._decide_meeting(meeting, meeting.cancel_sign_up(occurrence, peer_id))
        return self._occurrence_detail(request, meeting, occurrence)

    @api("POST", OCCURRENCE + "/held", allow=ORGANISERS, body=schemas.Hold, returns=schemas.OccurrenceDetail,
         summary="The occurrence took place, with attendance (published as volunteer activities)")
    def hold(self, request, meeting_id, occurrence, body):
        meeting = self._meeting(request, meeting_id, organise=True)
        invited = self._invited(meeting)
        events = meeting.hold(occurrence, body["attendance"], lambda p: p in invited, body["held_at"],
                              body["duration_minutes"])
        self._decide_meeting(meeting, events, body["expected_version"])
        return self._occurrence_detail(request, meeting, occurrence)

    @api("PUT", OCCURRENCE + "/attendance/<uuid:peer_id>", allow=ORGANISERS, body=schemas.RecordAttendance,
         returns=schemas.OccurrenceDetail, summary="Record or correct one peer's attendance at a held occurrence")
    def record_attendance(self, request, meeting_id, occurrence, peer_id, body):
        meeting = self._meeting(request, meeting_id, organise=True)
        events = meeting.record_attendance(occurrence, peer_id, body["status"], str(peer_id) in self._invited(meeting))
        self._decide_meeting(meeting, events, body["expected_version"])
        return self._occurrence_detail(request, meeting, occurrence)
