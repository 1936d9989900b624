"""Volunteer agreements (frivilligaftaler): drafted, signed by both, paused and resumed, renewed, ended;
statement eligibility and the statement (udtalelse).

"Now" is always the request's (`on`, `as_of`), never the clock inside a projection.
"""
from __future__ import annotations

import uuid
from datetime import date

from runtime.http.auth import principal_of
from runtime.errors import Forbidden, InvalidInput, NotFound, PersonErased
from runtime.eventstore import NO_STREAM, NewEvent
from runtime.http.entrypoint import api
from runtime.http.paging import page_clause
from services.roles import schemas
from services.roles.api.base import COORDINATION, ApiBase
from services.roles.domain.eligibility import COUNTED_KINDS, eligibility
from services.roles.domain.volunteer_agreement import (VolunteerAgreement, renewal_due, renewal_due_on, stream_of,
                                                       term_facts)
from services.roles.texts import render_statement


def _as_of(query: dict) -> date:
    return query["as_of"] or date.today()


def _summary(row: dict) -> dict:
    pause = row["pauses"][-1] if row["pauses"] and row["pauses"][-1]["until"] is None else None
    return {**row, "renewal_due_on": renewal_due_on(row["term_ends_on"]) if row["term_ends_on"] else None,
            "pause_from": pause["from"] if pause else None}


class VolunteersApi(ApiBase):
    # -- helpers ----------------------------------------------------------------------------------
    def _agreement_row(self, agreement_id) -> dict:
        row = self.db.execute("SELECT * FROM volunteer_agreements WHERE id = %s", (str(agreement_id),)).fetchone()
        if row is None:
            raise NotFound(f"volunteer agreement {agreement_id} does not exist")
        return _summary(self.vault.open(row))

    def _record_agreement(self, agreement: VolunteerAgreement, events, expected_version) -> dict:
        if any(e.type != "volunteer_agreement.ended" for e in events) and self._volunteer_erased(agreement):
            # Only ending stays possible: it closes the record (its facts count in the statistics)
            # and holds nothing about the person (an enumerated reason, a date).
            raise PersonErased("volunteer_id", "the volunteer was erased; the agreement can only be ended")
        self._record(agreement, events, expected_version)
        self._publish(term_facts(agreement, events))  # the span it runs, for the national level
        return self._agreement_row(agreement.id)

    def _volunteer_erased(self, agreement: VolunteerAgreement) -> bool:
        return self.vault.keystore.is_erased(agreement.volunteer_id)

    @staticmethod
    def _party(request, agreement: VolunteerAgreement) -> str:
        """'coordinator' for the coordination, 'volunteer' for the agreement's own volunteer; 403 otherwise."""
        principal = principal_of(request)
        if principal.has("coordinator"):
            return "coordinator"
        if principal.subject == agreement.volunteer_id:
            return "volunteer"
        raise Forbidden("a volunteer acts only on their own agreement")

    def _facts(self, volunteer_id: str) -> tuple[int, bool]:
        activities = self._counted_activities(volunteer_id)["n"]
        education = self.db.execute("SELECT 1 FROM peer_educations WHERE peer_id = %s",
                                    (volunteer_id,)).fetchone() is not None
        return activities, education

    def _counted_activities(self, volunteer_id: str) -> dict:
        """The volunteer activities that count (less withdrawn ones): how many, and their minutes."""
        return self.db.execute(
            "SELECT count(*) AS n, coalesce(sum(minutes), 0) AS minutes FROM volunteer_activities "
            "WHERE peer_id = %s AND NOT withdrawn AND kind = ANY(%s)", (volunteer_id, list(COUNTED_KINDS))).fetchone()

    def _eligibility_reached(self, volunteer_id: str, as_of: date, source: str) -> list[NewEvent]:
        """`volunteer.statement_eligibility_reached` for each running agreement of the volunteer that meets
        the rule as of the fact's day and was not announced before: once per agreement, so the
        coordinator is told once (a withdrawn activity later does not take it back: the statement itself
        is judged again when it is issued)."""
        rows = self.db.execute(
            "SELECT a.id FROM volunteer_agreements a WHERE a.volunteer_id = %s AND a.status IN ('active', 'paused') "
            "AND NOT EXISTS (SELECT 1 FROM statement_eligibility_reached r WHERE r.agreement_id = a.id) ORDER BY a.id",
            (volunteer_id,)).fetchall()
        reached = []
        for row in rows:
            activities, education = self._facts(volunteer_id)
            result = eligibility(self._load(VolunteerAgreement, row["id"]), activities, education, as_of)
            if result.eligible:
                reached.append(NewEvent("volunteer.statement_eligibility_reached", {
                    "agreement_id": str(row["id"]), "reached_on": as_of.isoformat(), "activities": result.activities,
                    "active_days": result.active_days, "source_event_id": source}))
        return reached

    def _eligibility(self, agreement: VolunteerAgreement, as_of: date) -> dict:
        activities, education = self._facts(agreement.volunteer_id)
        result = eligibility(agreement, activities, education, as_of)
        return {"agreement_id": agreement.id, "volunteer_id": agreement.volunteer_id, "as_of": as_of,
                "activity_minutes": self._counted_activities(agreement.volunteer_id)["minutes"], **result.as_dict()}

    # -- commands ---------------------------------------------------------------------------------
    @api("POST", "/volunteer-agreements", allow=COORDINATION, body=schemas.DraftAgreement,
         returns=schemas.Agreement, status=201, summary="Draft a volunteer agreement with the seed's fields")
    def draft_agreement(self, request, body):
        agreement_id = str(uuid.uuid4())
        body["coordinator_id"] = str(body["coordinator_id"] or principal_of(request).subject)
        try:
            uuid.UUID(body["coordinator_id"])
        except ValueError:
            raise InvalidInput.field("coordinator_id", "the coordinator must be a person id") from None
        self._append(stream_of(agreement_id), VolunteerAgreement.draft(body), NO_STREAM)
        return self._agreement_row(agreement_id)

    @api("GET", "/volunteer-agreements/<uuid:agreement_id>", allow=("peer", "coordinator"),
         returns=schemas.Agreement, summary="One agreement (a volunteer reads their own)")
    def get_agreement(self, request, agreement_id):
        self._party(request, self._load(VolunteerAgreement, agreement_id))
        return self._agreement_row(agreement_id)

    @api("PUT", "/volunteer-agreements/<uuid:agreement_id>/criminal-record-check", allow=COORDINATION,
         body=schemas.CriminalRecordCheck, returns=schemas.Agreement, summary="Criminal-record check status")
    def criminal_record_check(self, request, agreement_id, body):
        agreement = self._load(VolunteerAgreement, agreement_id)
        return self._record_agreement(agreement, agreement.update_criminal_record_check(body["status"]),
                                      body["expected_version"])

    @api("POST", "/volunteer-agreements/<uuid:agreement_id>/confidentiality", allow=("peer", "coordinator"),
         body=schemas.Dated, returns=schemas.Agreement, summary="Confidentiality (tavshedspligt) accepted")
    def accept_confidentiality(self, request, agreement_id, body):
        agreement = self._load(VolunteerAgreement, agreement_id)
        self._party(request, agreement)
        return self._record_agreement(agreement, agreement.accept_confidentiality(body["on"]),
                                      body["expected_version"])

    @api("POST", "/volunteer-agreements/<uuid:agreement_id>/signatures", allow=("peer", "coordinator"),
         body=schemas.Sign, returns=schemas.Agreement,
         summary="Sign and date; active once the volunteer and the coordinator both signed")
    def sign(self, request, agreement_id, body):
        agreement = self._load(VolunteerAgreement, agreement_id)
        party = self._party(request, agreement)
        if body["party"] != party:
            raise Forbidden(f"the caller signs as {party}, not as {body['party']}")
        events = agreement.sign(party, principal_of(request).subject, body["on"])
        return self._record_agreement(agreement, events, body["expected_version"])

    @api("POST", "/volunteer-agreements/<uuid:agreement_id>/renewal", allow=COORDINATION, body=schemas.Dated,
         returns=schemas.Agreement, summary="The renewal conversation reconfirms the agreement for half a year")
    def renew(self, request, agreement_id, body):
        agreement = self._load(VolunteerAgreement, agreement_id)
        return self._record_agreement(agreement, agreement.renew(body["on"]), body["expected_version"])

    @api("POST", "/volunteer-agreements/<uuid:agreement_id>/pause", allow=("peer", "coordinator"),
         body=schemas.AnnouncePause, returns=schemas.Agreement, summary="Announce a pause ahead of it")
    def announce_pause(self, request, agreement_id, body):
        agreement = self._load(VolunteerAgreement, agreement_id)
        self._party(request, agreement)
        return self._record_agreement(agreement, agreement.announce_pause(body["on"], body["pause_from"]),
                                      body["expected_version"])

    @api("POST", "/volunteer-agreements/<uuid:agreement_id>/resume", allow=("peer", "coordinator"),
         body=schemas.Dated, returns=schemas.Agreement, summary="Resume after a pause")
    def resume(self, request, agreement_id, body):
        agreement = self._load(VolunteerAgreement, agreement_id)
        self._party(request, agreement)
        return self._record_agreement(agreement, agreement.resume(body["on"]), body["expected_version"])

    @api("POST", "/volunteer-agreements/<uuid:agreement_id>/end", allow=("peer", "coordinator"),
         body=schemas.EndAgreement, returns=schemas.Agreement, summary="Either party ends it, with a reason")
    def end(self, request, agreement_id, body):
        agreement = self._load(VolunteerAgreement, agreement_id)
        party = self._party(request, agreement)
        if party == "volunteer" and body["ended_by"] != "volunteer":
            raise Forbidden("a volunteer ends the agreement as the volunteer")
        return self._record_agreement(agreement, agreement.end(body["ended_by"], body["reason"], body["on"]),
                                      body["expected_version"])

    @api("POST", "/volunteer-agreements/renewal-reminders", allow=COORDINATION, body=schemas.Dated,
         returns=schemas.AgreementSummary, many=True,
         summary="Raise 'renewal due' for every agreement within 30 days of its term's end (once per term)")
    def raise_renewals_due(self, request, body):
        raised = []
        rows = self.db.execute("SELECT id, status, term_ends_on FROM volunteer_agreements "
                               "WHERE status IN ('active', 'paused') ORDER BY term_ends_on, id").fetchall()
        for row in (r for r in rows if renewal_due(r["status"], r["term_ends_on"], body["on"])):
            agreement = self._load(VolunteerAgreement, row["id"])
            events = agreement.raise_renewal_due(body["on"])
            if events:
                raised.append(self._record_agreement(agreement, events, None))
        return raised

    # -- statement --------------------------------------------------------------------------------
    @api("GET", "/volunteer-agreements/<uuid:agreement_id>/eligibility", allow=("peer", "coordinator"),
         query=schemas.AsOfQuery, returns=schemas.EligibilitySchema,
         summary="Statement eligibility as of ?as_of= (default today)")
    def statement_eligibility(self, request, agreement_id, query):
        agreement = self._load(VolunteerAgreement, agreement_id)
        self._party(request, agreement)
        return self._eligibility(agreement, _as_of(query))

    @api("POST", "/volunteer-agreements/<uuid:agreement_id>/statement", allow=COORDINATION, body=schemas.Dated,
         returns=schemas.StatementDocument, summary="Produce the statement (udtalelse) in Danish when the "
         "volunteer leaves; refused while the agreement runs or the volunteer is not eligible")
    def issue_statement(self, request, agreement_id, body):
        agreement = self._load(VolunteerAgreement, agreement_id)
        activities, education = self._facts(agreement.volunteer_id)
        result = eligibility(agreement, activities, education, body["on"])
        self._record_agreement(agreement, agreement.issue_statement(body["on"], result), body["expected_version"])
        return {"agreement_id": agreement.id, "issued_on": body["on"],
                "document": render_statement(agreement, result.as_dict(), body["on"])}

    # -- read models ------------------------------------------------------------------------------
    @api("GET", "/volunteer-agreements", allow=COORDINATION, query=schemas.AgreementsQuery,
         returns=schemas.AgreementSummary, many=True, paged=True,
         summary="Agreements, optionally ?status=draft|active|paused|ended (paused: the paused volunteers), a page at a time")
    def list_agreements(self, request, query):
        sql, params = "SELECT * FROM volunteer_agreements", ()
        if query["status"]:
            sql, params = sql + " WHERE status = %s", (query["status"],)
        return [_summary(r) for r in self.db.execute(sql + " ORDER BY term_ends_on NULLS LAST, id" + page_clause(query),
                                                     params)]

    @api("GET", "/volunteer-agreements/due-for-renewal", allow=COORDINATION, query=schemas.AsOfQuery,
         returns=schemas.AgreementSummary, many=True,
         summary="Agreements whose renewal conversation is due as of ?as_of= (default today)")
    def due_for_renewal(self, request, query):
        as_of = _as_of(query)
        rows = self.db.execute("SELECT * FROM volunteer_agreements WHERE status IN ('active', 'paused') "
                               "ORDER BY term_ends_on, id").fetchall()
        return [_summary(r) for r in rows if renewal_due(r["status"], r["term_ends_on"], as_of)]

    @api("GET", "/volunteer-agreements/eligible-for-statement", allow=COORDINATION, query=schemas.AsOfQuery,
         returns=schemas.EligibilitySchema, many=True,
         summary="Volunteers eligible for a statement as of ?as_of= (default today)")
    def eligible_for_statement(self, request, query):
        as_of = _as_of(query)
        ids = [r["id"] for r in self.db.execute("SELECT id FROM volunteer_agreements WHERE active_from IS NOT NULL "
                                                "ORDER BY id").fetchall()]
        results = [self._eligibility(self._load(VolunteerAgreement, i), as_of) for i in ids]
        return [r for r in results if r["eligible"]]
