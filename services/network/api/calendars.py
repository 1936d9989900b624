"""Calendars: iCalendar feeds of meeting occurrences per peer and per network."""
from __future__ import annotations

from runtime import ical
from runtime.http.auth import caller_peer_id, is_peer_only
from runtime.config import settings
from runtime.errors import Forbidden
from runtime.http.entrypoint import api
from services.network import calendars, texts
from services.network.api.base import READERS, ApiBase

_OCCURRENCES = ("SELECT o.*, m.kind, m.title FROM meeting_occurrences o JOIN meetings m ON m.id = o.meeting_id ")


class CalendarsApi(ApiBase):
    @api("GET", "/calendars/peers/<uuid:peer_id>.ics", allow=READERS, produces="text/calendar",
         summary="iCalendar feed (text/calendar) of the meetings a peer takes part in")
    def peer_calendar(self, request, peer_id):
        if is_peer_only(request) and str(peer_id) != caller_peer_id(request):
            raise Forbidden("peer_id: a peer sees only their own calendar")
        rows = self.db.execute(
            _OCCURRENCES + "WHERE m.facilitator_peer_ids ? %(p)s::text "
            "OR EXISTS (SELECT 1 FROM meeting_invitees i WHERE i.meeting_id = m.id AND i.peer_id = %(p)s::uuid) "
            "OR EXISTS (SELECT 1 FROM network_members n WHERE n.network_id = m.network_id AND n.peer_id = %(p)s::uuid) "
            "ORDER BY o.starts_at, o.meeting_id", {"p": str(peer_id)}).fetchall()
        name = texts.render("calendar_names.txt.j2", peer_feed=True, network_name="")
        return ical.response(calendars.feed(name, rows, settings().instance_id))

    @api("GET", "/calendars/networks/<uuid:network_id>.ics", allow=READERS, produces="text/calendar",
         summary="iCalendar feed (text/calendar) of a network's meetings (members and staff)")
    def network_calendar(self, request, network_id):
        network = self._network(request, network_id)
        rows = self.db.execute(_OCCURRENCES + "WHERE m.network_id = %s ORDER BY o.starts_at, o.meeting_id",
                               (str(network_id),)).fetchall()
        name = texts.render("calendar_names.txt.j2", peer_feed=False, network_name=network.name)
        return ical.response(calendars.feed(name, rows, settings().instance_id))

