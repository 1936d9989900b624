"""The individual support course (individuelt forløb): a citizen and a peer matched by a coordinator.

The match can be replaced when it does not work (seed 003); the citizen's own goals; sessions of
conversation, companionship or accompaniment with their duration, held only by the matched peer;
WHO-5 at start and end; closing with an evaluation."""
from __future__ import annotations

import uuid
from datetime import datetime

from runtime.domain import NotFound, RuleBroken
from runtime.eventstore import NewEvent
from services.courses.domain import who5
from runtime.service.aggregate import Aggregate



class SupportCourse(Aggregate):
    CATEGORY = "support_course"

    def __init__(self, course_id):
        super().__init__(course_id)
        self.citizen_id: str | None = None
        self.peer_id: str | None = None
        self.former_peers: list[str] = []
        self.goals: dict[str, str] = {}  # goal id -> status
        self.session_peers: dict[str, str] = {}  # every session recorded -> the peer who held it
        self.withdrawn: set[str] = set()
        self.who5: dict[str, int] = {}
        self.status = "open"

    # -- state ------------------------------------------------------------------------------------------
    def on_opened(self, p):
        self.citizen_id = p["citizen_id"]

    def on_peer_matched(self, p):
        self.peer_id = p["peer_id"]

    def on_match_replaced(self, p):
        self.former_peers.append(p["previous_peer_id"])
        self.peer_id = p["peer_id"]

    def on_goal_set(self, p):
        self.goals[p["goal_id"]] = "active"

    def on_goal_status_changed(self, p):
        self.goals[p["goal_id"]] = p["status"]

    def on_session_held(self, p):
        self.session_peers[p["session_id"]] = p["peer_id"]

    def on_session_withdrawn(self, p):
        self.withdrawn.add(p["session_id"])

    def on_who5_recorded(self, p):
        self.who5[p["timing"]] = p["score"]

    def on_closed(self, p):
        self.status = "closed"

    # -- commands ---------------------------------------------------------------------------------------
    def _require_open(self) -> None:
        if self.status != "open":
            raise RuleBroken.field("status", "the course is closed")

    def is_matched_peer(self, peer_id) -> bool:
        return self.peer_id is not None and self.peer_id == str(peer_id)

    @staticmethod
    def open(citizen_id, method_ids=(), peer_id=None) -> list[NewEvent]:
        events = [NewEvent("support_course.opened",
                           {"citizen_id": str(citizen_id), "method_ids": [str(m) for m in method_ids]})]
        if peer_id is not None:
            events.append(NewEvent("support_course.peer_matched", {"peer_id": str(peer_id)}))
        return events

    def match(self, peer_id) -> list[NewEvent]:
        self._require_open()
        if self.peer_id is not None:
            raise RuleBroken.field("peer_id", "the course already has a matched peer; replace the match instead")
        return [NewEvent("support_course.peer_matched", {"peer_id": str(peer_id)})]

    def replace_match(self, peer_id, reason: str = "") -> list[NewEvent]:
        self._require_open()
        if self.peer_id is None:
            raise RuleBroken.field("peer_id", "no peer is matched yet; match one first")
        if self.is_matched_peer(peer_id):
            raise RuleBroken.field("peer_id", "this peer is already the matched peer")
        return [NewEvent("support_course.match_replaced",
                         {"citizen_id": self.citizen_id, "previous_peer_id": self.peer_id, "peer_id": str(peer_id),
                          "reason": reason})]

    def set_goal(self, text: str, goal_id=None) -> list[NewEvent]:
        self._require_open()
        return [NewEvent("support_course.goal_set",
                         {"citizen_id": self.citizen_id, "goal_id": str(goal_id or uuid.uuid4()), "text": text})]

    def change_goal_status(self, goal_id, status: str) -> list[NewEvent]:
        self._require_open()
        if str(goal_id) not in self.goals:
            raise NotFound(f"goal {goal_id} is not part of course {self.id}")
        if self.goals[str(goal_id)] == status:
            return []
        return [NewEvent("support_course.goal_status_changed", {"goal_id": str(goal_id), "status": status})]

    def hold_session(self, peer_id, kind, held_at: datetime, duration_minutes: int, note: str = "",
                     session_id=None) -> list[NewEvent]:
        self._require_open()
        if self.peer_id is None:
            raise RuleBroken.field("peer_id", "no peer is matched with the citizen yet")
        if not self.is_matched_peer(peer_id):
            raise RuleBroken.field("peer_id", "only the matched peer holds sessions in this course")
        return [NewEvent("support_course.session_held", {
            "citizen_id": self.citizen_id, "session_id": str(session_id or uuid.uuid4()),
            "peer_id": str(peer_id), "kind": kind,
            "held_at": held_at.isoformat(), "duration_minutes": duration_minutes, "note": note})]

    def withdraw_session(self, session_id, reason: str) -> list[NewEvent]:
        """Also after closing: a mistake found later is still corrected."""
        if str(session_id) not in self.session_peers:
            raise NotFound(f"session {session_id} is not part of course {self.id}")
        if str(session_id) in self.withdrawn:
            raise RuleBroken.field("session_id", "the session is already withdrawn")
        return [NewEvent("support_course.session_withdrawn", {"session_id": str(session_id), "reason": reason})]

    def record_who5(self, timing: str, items) -> list[NewEvent]:
        self._require_open()
        return [NewEvent("support_course.who5_recorded", {"citizen_id": self.citizen_id, "timing": timing,
                                                         **who5.score(items)})]

    def close(self, reason: str, evaluation: str) -> list[NewEvent]:
        self._require_open()
        return [NewEvent("support_course.closed", {"citizen_id": self.citizen_id, "reason": reason,
                                                   "evaluation": evaluation})]
