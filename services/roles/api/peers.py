"""Peers: registration, employment terms, secondments, accommodation needs (skånebehov).

Accommodation needs are health-related: sealed with the peer's key, readable only by the peer, their
leader and persons the peer allowed (a domain 403 for anyone else), and every read is audited.
"""
from __future__ import annotations

import uuid

from runtime.http.audit import audited
from runtime.http.auth import principal_of
from runtime.errors import Forbidden, NotFound
from runtime.eventstore import NO_STREAM
from runtime.http.entrypoint import api
from runtime.http.paging import page_clause
from services.roles import schemas
from services.roles.api.base import STAFF, ApiBase
from services.roles.domain.peer import (Peer, agree_task, evaluate_month, national_stream_of, stream_of,
                                        task_progress)


class PeersApi(ApiBase):
    def _peer_row(self, peer_id) -> dict:
        row = self.db.execute(
            "SELECT p.*, (SELECT a.status FROM volunteer_agreements a WHERE a.volunteer_id = p.id "
            "ORDER BY a.updated_at DESC LIMIT 1) AS agreement_status FROM peers p WHERE p.id = %s",
            (str(peer_id),)).fetchone()
        if row is None:
            raise NotFound(f"peer {peer_id} does not exist")
        return self.vault.open({k: v for k, v in row.items() if k != "accommodation_needs"})

    def _record_peer(self, peer: Peer, events, expected_version) -> dict:
        self._record(peer, events, expected_version)
        return self._peer_row(peer.id)

    @staticmethod
    def _own_only(request, peer_id) -> None:
        principal = principal_of(request)
        if principal.roles == {"peer"} or (principal.has("peer") and not principal.has(*STAFF)):
            if principal.subject != str(peer_id):
                raise Forbidden("a peer reads and changes only their own record")

    @api("POST", "/peers", allow=STAFF, body=schemas.RegisterPeer, returns=schemas.PeerSummary, status=201,
         summary="Register a paid or volunteer peer")
    def register_peer(self, request, body):
        peer_id = str(body.pop("peer_id") or uuid.uuid4())
        self._append(stream_of(peer_id), Peer.register(body), NO_STREAM)
        self._append(national_stream_of(peer_id), Peer.shared_nationally(body), NO_STREAM)
        return self._peer_row(peer_id)

    @api("GET", "/peers", allow=STAFF, returns=schemas.PeerSummary, many=True, paged=True,
         summary="Peers of the instance with their state, a page at a time")
    def list_peers(self, request, query):
        rows = self.db.execute(
            "SELECT p.*, (SELECT a.status FROM volunteer_agreements a WHERE a.volunteer_id = p.id "
            "ORDER BY a.updated_at DESC LIMIT 1) AS agreement_status FROM peers p ORDER BY p.workplace, p.id"
            + page_clause(query)).fetchall()
        return self.vault.open([{k: v for k, v in r.items() if k != "accommodation_needs"} for r in rows])

    @api("GET", "/peers/<uuid:peer_id>", allow=("peer", *STAFF), returns=schemas.PeerSummary,
         summary="One peer: terms, secondments (a peer reads only their own)")
    def get_peer(self, request, peer_id):
        self._own_only(request, peer_id)
        return self._peer_row(peer_id)

    @api("PATCH", "/peers/<uuid:peer_id>/assignment", allow=STAFF, body=schemas.ChangeAssignment,
         returns=schemas.PeerSummary, summary="Change the peer's leader, mentor or function description")
    def change_assignment(self, request, peer_id, body):
        peer = self._load(Peer, peer_id)
        expected = body.pop("expected_version")
        return self._record_peer(peer, peer.change_assignment(body), expected)

    @api("PUT", "/peers/<uuid:peer_id>/terms", allow=("leader",), body=schemas.SetTerms,
         returns=schemas.PeerSummary, summary="Employment terms: weekly hours, fixed days and times, breaks")
    def set_terms(self, request, peer_id, body):
        peer = self._load(Peer, peer_id)
        return self._record_peer(peer, peer.set_terms(body["weekly_hours"], body["working_times"],
                                                      body["break_minutes"]), body["expected_version"])

    @api("POST", "/peers/<uuid:peer_id>/secondments", allow=("leader",), body=schemas.Second,
         returns=schemas.PeerSummary, summary="Second the peer to another unit for a period")
    def second(self, request, peer_id, body):
        peer = self._load(Peer, peer_id)
        events = peer.second(body["from_unit"], body["to_unit"], body["starts_on"], body["ends_on"],
                             body["personnel_leader_id"])
        return self._record_peer(peer, events, body["expected_version"])

    # -- accommodation needs ------------------------------------------------------------------------
    def _accommodation(self, peer_id) -> dict:
        row = self.db.execute("SELECT id, accommodation_needs, accommodation_readers FROM peers WHERE id = %s",
                              (str(peer_id),)).fetchone()
        opened = self.vault.open(row)
        return {"peer_id": opened["id"], "needs": opened["accommodation_needs"] or [],
                "readers": opened["accommodation_readers"]}

    def _accommodation_readers(self, peer_id) -> dict:
        row = self.db.execute("SELECT id, accommodation_readers FROM peers WHERE id = %s", (str(peer_id),)).fetchone()
        return {"peer_id": row["id"], "readers": row["accommodation_readers"]}

    def _check_accommodation_reader(self, request, peer: Peer) -> None:
        if not peer.may_read_accommodation_needs(principal_of(request).subject):
            raise Forbidden("accommodation needs are for the peer, their leader and whom the peer allowed")

    @api("PUT", "/peers/<uuid:peer_id>/accommodation-needs", allow=("peer", "leader"),
         body=schemas.RecordAccommodationNeeds, returns=schemas.AccommodationReaders,
         summary="Record the peer's accommodation needs (skånebehov): the peer or their leader")
    def record_accommodation_needs(self, request, peer_id, body):
        peer = self._load(Peer, peer_id)
        if principal_of(request).subject not in (peer.id, peer.leader_id):
            raise Forbidden("accommodation needs are recorded by the peer or their leader")
        self._record(peer, peer.record_accommodation_needs(body["needs"]), body["expected_version"])
        return self._accommodation_readers(peer.id)

    @api("GET", "/peers/<uuid:peer_id>/accommodation-needs", allow=("peer", "leader", "coordinator"),
         returns=schemas.AccommodationNeeds,
         summary="Read accommodation needs: the peer, their leader and whom the peer allowed (audited)")
    @audited("accommodation_needs", id_param="peer_id", purpose="tilrettelæggelse af arbejdet efter skånebehov")
    def read_accommodation_needs(self, request, peer_id):
        peer = self._load(Peer, peer_id)
        self._check_accommodation_reader(request, peer)
        return self._accommodation(peer.id)

    @api("POST", "/peers/<uuid:peer_id>/accommodation-needs/readers", allow=("peer",),
         body=schemas.AccommodationAccess, returns=schemas.AccommodationReaders,
         summary="The peer allows a person to read their accommodation needs")
    def grant_accommodation_access(self, request, peer_id, body):
        peer = self._load(Peer, peer_id)
        if principal_of(request).subject != peer.id:
            raise Forbidden("only the peer decides who reads their accommodation needs")
        self._record(peer, peer.grant_accommodation_access(body["person_id"]))
        return self._accommodation_readers(peer.id)

    @api("DELETE", "/peers/<uuid:peer_id>/accommodation-needs/readers/<uuid:person_id>", allow=("peer",),
         returns=schemas.AccommodationReaders, summary="The peer withdraws a person's access")
    def revoke_accommodation_access(self, request, peer_id, person_id):
        peer = self._load(Peer, peer_id)
        if principal_of(request).subject != peer.id:
            raise Forbidden("only the peer decides who reads their accommodation needs")
        self._record(peer, peer.revoke_accommodation_access(person_id))
        return self._accommodation_readers(peer.id)

    # -- agreed tasks and monthly evaluations ----------------------------------------------------------
    def _tasks(self, peer: Peer) -> dict:
        held = self.db.execute("SELECT count(*) AS n FROM volunteer_activities WHERE peer_id = %s AND NOT withdrawn "
                               "AND kind = 'group_session'", (peer.id,)).fetchone()["n"]
        return {"peer_id": peer.id, "group_sessions_held": held, "tasks": task_progress(peer, held),
                "evaluations": peer.evaluations}

    @api("POST", "/peers/<uuid:peer_id>/tasks", allow=("leader",), body=schemas.AgreeTask,
         returns=schemas.PeerTasks, status=201, summary="Agree a concrete task with success criteria")
    def agree_task(self, request, peer_id, body):
        peer = self._load(Peer, peer_id)
        self._record(peer, agree_task(body["title"], body["success_criteria"]), body["expected_version"])
        return self._tasks(peer)

    @api("POST", "/peers/<uuid:peer_id>/evaluations", allow=("leader",), body=schemas.EvaluateMonth,
         returns=schemas.PeerTasks, status=201,
         summary="The monthly evaluation of the agreed tasks, their completion and attendance")
    def evaluate_month(self, request, peer_id, body):
        peer = self._load(Peer, peer_id)
        events = evaluate_month(peer, body["month"], body["tasks"], body["days_expected"], body["days_present"],
                                body["note"])
        self._record(peer, events, body["expected_version"])
        return self._tasks(peer)

    @api("GET", "/peers/<uuid:peer_id>/tasks", allow=("peer", *STAFF), returns=schemas.PeerTasks,
         summary="Agreed tasks with progress (derived from the courses service where it can) and evaluations")
    def peer_tasks(self, request, peer_id):
        self._own_only(request, peer_id)
        return self._tasks(self._load(Peer, peer_id))
