"""The peer's own crisis plan (seed 000, self-care): warning signs, triggers, what helps, whom to call.

Health data and the peer's own: sealed with the peer's key, written only by the peer, read only by the
peer and whom the peer allowed (not even their leader, unless allowed), every read audited
(`crisis_plan`). Answers to writes and to changes of who may read carry no part of the plan.
"""
from __future__ import annotations

from runtime.http.audit import audited
from runtime.http.auth import principal_of
from runtime.errors import Forbidden, NotFound
from runtime.http.entrypoint import api
from services.roles import schemas
from services.roles.api.base import ApiBase
from services.roles.domain.peer import CRISIS_PLAN_PARTS, Peer

READERS = ("peer", "coordinator", "leader")


class CrisisPlansApi(ApiBase):
    def _crisis_plan_row(self, peer_id) -> dict:
        row = self.db.execute("SELECT id, crisis_plan, crisis_plan_readers FROM peers WHERE id = %s",
                              (str(peer_id),)).fetchone()
        if row is None:  # the stream outlives an erasure; the row does not
            raise NotFound(f"peer {peer_id} has no record (erased)")
        return row

    def _crisis_plan_readers(self, peer_id) -> dict:
        row = self._crisis_plan_row(peer_id)
        return {"peer_id": row["id"], "recorded": row["crisis_plan"] is not None, "readers": row["crisis_plan_readers"]}

    def _crisis_plan(self, peer_id) -> dict:
        plan = self.vault.open(self._crisis_plan_row(peer_id))["crisis_plan"] or {}
        return {**self._crisis_plan_readers(peer_id), **{part: plan.get(part) or [] for part in CRISIS_PLAN_PARTS}}

    def _own_crisis_plan(self, request, peer_id) -> Peer:
        peer = self._load(Peer, peer_id)
        if principal_of(request).subject != peer.id:
            raise Forbidden("a crisis plan is the peer's own: only the peer writes it and decides who reads it")
        return peer

    @api("PUT", "/peers/<uuid:peer_id>/crisis-plan", allow=("peer",), body=schemas.RecordCrisisPlan,
         returns=schemas.CrisisPlanReaders, summary="The peer records their own crisis plan (replaces it)")
    def record_crisis_plan(self, request, peer_id, body):
        peer = self._own_crisis_plan(request, peer_id)
        expected = body.pop("expected_version")
        self._record(peer, Peer.record_crisis_plan(body), expected)
        return self._crisis_plan_readers(peer.id)

    @api("GET", "/peers/<uuid:peer_id>/crisis-plan", allow=READERS, returns=schemas.CrisisPlan,
         summary="Read a crisis plan: the peer, and whom the peer allowed (audited)")
    @audited("crisis_plan", id_param="peer_id", purpose="støtte efter peerens egen kriseplan")
    def read_crisis_plan(self, request, peer_id):
        peer = self._load(Peer, peer_id)
        if not peer.may_read_crisis_plan(principal_of(request).subject):
            raise Forbidden("a crisis plan is read only by the peer and whom the peer allowed")
        return self._crisis_plan(peer.id)

    @api("POST", "/peers/<uuid:peer_id>/crisis-plan/readers", allow=("peer",), body=schemas.AccommodationAccess,
         returns=schemas.CrisisPlanReaders, summary="The peer allows a person to read their crisis plan")
    def grant_crisis_plan_access(self, request, peer_id, body):
        peer = self._own_crisis_plan(request, peer_id)
        self._record(peer, peer.grant_crisis_plan_access(body["person_id"]))
        return self._crisis_plan_readers(peer.id)

    @api("DELETE", "/peers/<uuid:peer_id>/crisis-plan/readers/<uuid:person_id>", allow=("peer",),
         returns=schemas.CrisisPlanReaders, summary="The peer withdraws a person's access to their crisis plan")
    def revoke_crisis_plan_access(self, request, peer_id, person_id):
        peer = self._own_crisis_plan(request, peer_id)
        self._record(peer, peer.revoke_crisis_plan_access(person_id))
        return self._crisis_plan_readers(peer.id)
