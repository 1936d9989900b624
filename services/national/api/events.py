"""National events for national coordinators: create one (it is announced to every instance), read them, and
the summary by region and kind of peer (seed 004), suppressed under docs/security.md N8-N9 like the picture.

Registrations arrive from the regions as facts (`national_sign_up.*`, service.py) and are decided here, on
the event's one stream (domain/national_event.py); each decision's answer goes to the registrant's instance."""
from __future__ import annotations

import uuid

from runtime.errors import NotFound
from runtime.eventstore import current_version
from runtime.http.entrypoint import api
from runtime.http.paging import page_clause
from services.national import disclosure, schemas
from services.national.api.base import COORDINATORS, ApiBase
from services.national.decided import DecidedEvents
from services.national.domain.national_event import NationalEvent
EVENT = "/national/events/<uuid:event_id>"
PEER_KINDS = ("paid", "volunteer")
_DETAIL = ("SELECT e.*, (SELECT count(*) FROM national_event_registrations r WHERE r.national_event_id = e.id "
           "AND r.status = 'accepted') AS accepted, (SELECT count(*) FROM national_event_registrations r "
           "WHERE r.national_event_id = e.id AND r.status = 'waitlisted') AS waitlisted FROM national_events e ")
# measure -> which registrations it counts
SUMMARY_MEASURES = {"registered": "status = 'accepted'", "waitlisted": "status = 'waitlisted'",
                    "attended": "status = 'accepted' AND attended"}


class NationalEventsApi(ApiBase):
    # -- the application steps (no vault here: nothing personal is stored) -------------------------------
    # One per process (nameko makes a service instance per worker): the aggregates its workers last decided.
    decided = DecidedEvents()

    def _load_event(self, event_id) -> NationalEvent:
        return self.decided.load(self.db, event_id)

    def _decide(self, aggregate: NationalEvent, events, facts) -> None:
        """The decision on the event's stream at the version it was decided on, then what the regions are told."""
        recorded = self._record(aggregate, events)
        self._publish(facts(aggregate))
        self.decided.keep(aggregate, recorded)

    def _event_detail(self, event_id) -> dict:
        row = self.db.execute(_DETAIL + "WHERE e.id = %s", (str(event_id),)).fetchone()
        if row is None:
            raise NotFound(f"national event {event_id} does not exist")
        return {**row, "version": current_version(self.db.conn, NationalEvent.stream_of(event_id))}

    # -- endpoints ----------------------------------------------------------------------------------------
    @api("POST", "/national/events", allow=COORDINATORS, body=schemas.CreateNationalEvent,
         returns=schemas.NationalEvent, status=201,
         summary="Create a national event (e.g. the yearly peer meetup); it is announced to every instance")
    def create_national_event(self, request, body):
        aggregate = NationalEvent(self._create_event_id())
        details = schemas.EventDetails().dump(body)
        self._decide(aggregate, NationalEvent.create(details), lambda a: [a.announcement()])
        return self._event_detail(aggregate.id)

    @api("GET", "/national/events", allow=COORDINATORS, returns=schemas.NationalEvent, many=True, paged=True,
         summary="The national events, with places taken and the waitlist's length")
    def list_national_events(self, request, query):
        rows = self.db.execute(_DETAIL + "ORDER BY e.starts_at, e.id" + page_clause(query)).fetchall()
        return [{**r, "version": current_version(self.db.conn, NationalEvent.stream_of(r["id"]))} for r in rows]

    @api("GET", EVENT, allow=COORDINATORS, returns=schemas.NationalEvent, summary="A national event")
    def get_national_event(self, request, event_id):
        return self._event_detail(event_id)

    @api("GET", EVENT + "/summary", allow=COORDINATORS, returns=schemas.NationalEventSummary,
         summary="Peers registered, waitlisted and attended by region and kind of peer (seed 004's report); "
                 "counts below min_count suppressed, with complementary suppression")
    def national_event_summary(self, request, event_id):
        event = self._event_detail(event_id)
        measures = []
        for measure, condition in SUMMARY_MEASURES.items():
            rows = self.db.execute(
                f"SELECT region, peer_kind, count(*) AS n FROM national_event_registrations "  # noqa: S608 (constants)
                f"WHERE national_event_id = %s AND {condition} GROUP BY region, peer_kind", (str(event_id),)).fetchall()
            counts = {(r["region"], r["peer_kind"]): r["n"] for r in rows}
            table = disclosure.protect(counts, sorted({r for r, _ in counts}), list(PEER_KINDS))
            measures.append({
                "measure": measure,
                "regions": [{"region": r, "total": disclosure.as_count(table.row_totals[r]),
                             "kinds": [{"peer_kind": k, **disclosure.as_count(table.cells[(r, k)])} for k in PEER_KINDS]}
                            for r in table.rows],
                "kinds": [{"peer_kind": k, **disclosure.as_count(table.column_totals[k])} for k in PEER_KINDS],
                "total": disclosure.as_count(table.total)})
        return {"national_event_id": event["id"], "title": event["title"], "capacity": event["capacity"],
                "min_count": disclosure.MIN_COUNT, "measures": measures}

    @staticmethod
    def _create_event_id() -> uuid.UUID:
        return uuid.uuid4()
