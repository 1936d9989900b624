"""National events (announced by the national instance) and this instance's sign-ups for them.

A peer signs up here (a peer themselves, a coordinator any peer); the sign-up is recorded by peer id and
forwarded to the national instance as a pseudonym (`national_sign_up.requested`), which decides the place and
answers on `national.addressed` (service.py records the answer). Attendance is recorded by a coordinator."""
from __future__ import annotations

from runtime.http.auth import caller_peer_id, is_peer_only
from runtime.errors import NotFound
from runtime.http.entrypoint import api
from runtime.http.paging import page_clause
from runtime.privacy.pseudonym import pseudonym
from services.network import schemas
from services.network.api.base import MEMBERS, READERS, ApiBase
from services.network.domain.national_sign_up import (PSEUDONYM_PURPOSE, NationalSignUp, pseudonym_entity,
                                                       sign_up_id)

NATIONAL_EVENT = "/national-events/<uuid:national_event_id>"
SIGN_UP = NATIONAL_EVENT + "/sign-ups/<uuid:peer_id>"
STAFF = ("coordinator",)


class NationalEventsApi(ApiBase):
    def _announced(self, national_event_id) -> dict:
        row = self.db.execute("SELECT * FROM national_events WHERE id = %s", (str(national_event_id),)).fetchone()
        if row is None:
            raise NotFound(f"national event {national_event_id} has not been announced here")
        return row

    def _sign_up_of(self, national_event_id, peer_id) -> NationalSignUp:
        sid = sign_up_id(national_event_id, peer_id)
        return NationalSignUp.from_events(sid, self.vault.open(self.db.read_stream(NationalSignUp.stream_of(sid))))

    def _sign_up_row(self, national_event_id, peer_id) -> dict:
        return self.db.execute("SELECT * FROM national_sign_ups WHERE id = %s",
                               (str(sign_up_id(national_event_id, peer_id)),)).fetchone()

    @staticmethod
    def _pseudonym(national_event_id, peer_id) -> str:
        return pseudonym(pseudonym_entity(national_event_id, peer_id), purpose=PSEUDONYM_PURPOSE)

    @api("GET", "/national-events", allow=READERS, returns=schemas.AnnouncedNationalEvent, many=True, paged=True,
         summary="The national events announced to this instance (e.g. the yearly peer meetup)")
    def list_national_events(self, request, query):
        return self.db.execute("SELECT * FROM national_events ORDER BY starts_at, id" + page_clause(query)).fetchall()

    @api("GET", NATIONAL_EVENT, allow=READERS, returns=schemas.AnnouncedNationalEvent,
         summary="A national event announced to this instance")
    def get_national_event(self, request, national_event_id):
        return self._announced(national_event_id)

    @api("GET", NATIONAL_EVENT + "/sign-ups", allow=READERS, returns=schemas.NationalSignUp, many=True,
         summary="This instance's sign-ups for the event and the national instance's answer (a peer: their own)")
    def list_national_sign_ups(self, request, national_event_id):
        self._announced(national_event_id)
        if is_peer_only(request):
            return self.db.execute("SELECT * FROM national_sign_ups WHERE national_event_id = %s AND peer_id = %s",
                                   (str(national_event_id), caller_peer_id(request))).fetchall()
        return self.db.execute("SELECT * FROM national_sign_ups WHERE national_event_id = %s "
                               "ORDER BY updated_at, id", (str(national_event_id),)).fetchall()

    @api("POST", NATIONAL_EVENT + "/sign-ups", allow=MEMBERS, body=schemas.NationalSignUpCommand,
         returns=schemas.NationalSignUp, status=201,
         summary="Sign up for a national event (a peer themselves; a coordinator any peer): forwarded to the "
                 "national instance, whose answer (accepted / waitlisted) follows")
    def sign_up_nationally(self, request, national_event_id, body):
        self._announced(national_event_id)
        peer_id = self._acting_peer(request, body["peer_id"])
        kind = self._peer_kind(peer_id)
        sign_up = self._sign_up_of(national_event_id, peer_id)
        events = NationalSignUp.sign_up(national_event_id, peer_id, kind,
                                        self._pseudonym(national_event_id, peer_id), sign_up.status)
        self._append(sign_up.stream, events, sign_up.version)
        return self._sign_up_row(national_event_id, peer_id)

    @api("DELETE", SIGN_UP, allow=MEMBERS, returns=schemas.NationalSignUp,
         summary="Withdraw a sign-up (a peer their own; a coordinator any): the national instance cancels it "
                 "and gives the place to the first on its waitlist")
    def withdraw_national_sign_up(self, request, national_event_id, peer_id):
        peer_id = self._acting_peer(request, peer_id)
        sign_up = self._sign_up_of(national_event_id, peer_id)
        events = sign_up.withdraw(national_event_id, peer_id, self._pseudonym(national_event_id, peer_id))
        self._append(sign_up.stream, events, sign_up.version)
        return self._sign_up_row(national_event_id, peer_id)

    @api("POST", SIGN_UP + "/attendance", allow=STAFF, returns=schemas.NationalSignUp,
         summary="Record that a peer of this instance with a place attended the national event")
    def record_national_attendance(self, request, national_event_id, peer_id):
        sign_up = self._sign_up_of(national_event_id, peer_id)
        events = sign_up.attend(national_event_id, self._pseudonym(national_event_id, peer_id))
        self._append(sign_up.stream, events, sign_up.version)
        return self._sign_up_row(national_event_id, peer_id)
