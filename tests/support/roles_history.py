"""A realistic history of the roles service: every event type of its own store, several entities of each
kind with their streams interleaved (so that a page of the feed cuts streams apart), erasures in the
middle. Appended through the event store, each event projected live in the command's transaction, as the
service does. Shared by the rebuild tests."""
from __future__ import annotations

import uuid
from datetime import date

import contracts
from runtime import eventstore
from runtime.privacy import sealing
from services.roles.domain import FunctionDescription
from services.roles.domain import stream_of as description_stream
from services.roles.domain.eligibility import Eligibility
from services.roles.domain.peer import Peer, agree_task, evaluate_month, national_stream_of
from services.roles.domain.peer import stream_of as peer_stream
from services.roles.domain.volunteer_agreement import VolunteerAgreement, term_facts
from services.roles.domain.volunteer_agreement import stream_of as agreement_stream
from tests.support.domain import fake_seal
from tests.support.function_description import LOCAL_FIELDS

METADATA = eventstore.Metadata("roles", "region-1084", "test", uuid.uuid4())


def append(conn, project, stream: str, events: list) -> list:
    """Seal the personal fields, append, and project each recorded event in the same transaction."""
    sealed = []
    for e in events:
        version = e.schema_version or contracts.latest_version(e.type)
        sealed.append(eventstore.NewEvent(e.type, sealing.seal_payload(
            contracts.contract(e.type, version).schema, e.payload, stream, fake_seal), version, e.event_id))
    recorded = eventstore.append(conn, stream, sealed, None, METADATA)
    for event in recorded:
        project(conn, event)
    return recorded


def _state(conn, aggregate, entity_id, stream):
    return aggregate.from_events(entity_id, eventstore.read_stream(conn, stream))


def _description_steps(conn, description_id: str, workplace: str):
    stream = description_stream(description_id)
    yield stream, FunctionDescription.adopt(workplace, None)
    d = _state(conn, FunctionDescription, description_id, stream)
    yield stream, d.fill_local_fields({**LOCAL_FIELDS, "nearest_leader": {"name": LOCAL_FIELDS["nearest_leader"]},
                                       "mentor": {"name": LOCAL_FIELDS["mentor"]}})
    yield stream, _state(conn, FunctionDescription, description_id, stream).decide_support_mode("individual")
    yield stream, _state(conn, FunctionDescription, description_id, stream).publish()
    d = _state(conn, FunctionDescription, description_id, stream)
    yield stream, d.acknowledge(d.revision, "peer", uuid.uuid4())
    d = _state(conn, FunctionDescription, description_id, stream)
    yield stream, d.acknowledge(d.revision, "leader", uuid.uuid4())
    yield stream, _state(conn, FunctionDescription, description_id, stream).fill_local_fields(
        {"special_tasks": {"2": ["Udvikle og afholde 4 workshops"]}})
    yield stream, _state(conn, FunctionDescription, description_id, stream).publish()


def _peer_steps(conn, peer_id: str, kind: str, description_id: str):
    stream = peer_stream(peer_id)
    details = {"kind": kind, "title": "frivillig peer" if kind == "volunteer" else "peer-medarbejder",
               "name": "Sofie Peer", "workplace": "Bro", "leader_id": str(uuid.uuid4())}
    yield stream, Peer.register(details)
    yield national_stream_of(peer_id), Peer.shared_nationally(details)
    state = lambda: _state(conn, Peer, peer_id, stream)  # noqa: E731
    yield stream, state().change_assignment({"mentor_id": uuid.uuid4(), "function_description_id": description_id})
    yield stream, state().set_terms(30, [{"weekday": "mon", "starts": "09:00", "ends": "15:00"},
                                         {"weekday": "wed", "starts": "10:00", "ends": "14:00"}], 30)
    yield stream, state().second("Bro", "Havn", date(2025, 3, 1), date(2025, 3, 31), uuid.uuid4())
    yield stream, state().record_accommodation_needs(["Tid til overgange", "Faste pauser"])
    reader = uuid.uuid4()
    yield stream, state().grant_accommodation_access(reader)
    yield stream, Peer.record_crisis_plan({"warning_signs": ["Trækker sig"], "triggers": ["Larm"],
                                           "what_helps": ["En gåtur"], "whom_to_call": ["Lene"]})
    yield stream, state().grant_crisis_plan_access(reader)
    yield stream, agree_task("Workshops", [{"description": "Holde workshops", "measure": "group_sessions_held",
                                            "target": 3}])
    peer = state()
    yield stream, evaluate_month(peer, "2025-03", [{"task_id": peer.tasks[0]["task_id"], "completion_percent": 50}],
                                 20, 18, None)
    yield stream, state().revoke_accommodation_access(reader)
    yield stream, state().revoke_crisis_plan_access(reader)
    yield f"contact-{peer_id}", [eventstore.NewEvent("contact.email_recorded", {"email": "sofie@example.dk"})]
    activity = str(uuid.uuid4())
    yield f"volunteer-{peer_id}", [eventstore.NewEvent("volunteer.activity_counted", {
        "activity_id": activity, "kind": "companionship", "held_at": "2025-01-20T10:00:00+00:00",
        "duration_minutes": 90, "source_event_id": str(uuid.uuid4())})]
    yield f"volunteer-{peer_id}", [eventstore.NewEvent("volunteer.activity_withdrawn", {
        "activity_id": activity, "source_event_id": str(uuid.uuid4())})]
    yield f"volunteer-{peer_id}", [eventstore.NewEvent("volunteer.peer_education_completed", {
        "course_id": str(uuid.uuid4()), "completed_on": "2025-02-01", "source_event_id": str(uuid.uuid4())})]


def _agreement_steps(conn, agreement_id: str, volunteer: str, coordinator: str, seed: dict):
    stream = agreement_stream(agreement_id)
    state = lambda: _state(conn, VolunteerAgreement, agreement_id, stream)  # noqa: E731
    yield stream, VolunteerAgreement.draft({**seed, "volunteer_id": volunteer, "coordinator_id": coordinator,
                                            "confidentiality_accepted": False, "criminal_record_check": "requested"})
    yield stream, state().accept_confidentiality(date(2025, 1, 2))
    yield stream, state().update_criminal_record_check("clean")
    yield stream, state().sign("volunteer", volunteer, date(2025, 1, 6))
    activated = state().sign("coordinator", coordinator, date(2025, 1, 6))
    yield stream, activated
    yield from _term_facts(state(), activated)  # as the application shares the span (agreement_term.reported)
    yield stream, state().announce_pause(date(2025, 2, 1), date(2025, 2, 10))
    yield stream, state().resume(date(2025, 2, 20))
    term_ends = date.fromisoformat(state().term_ends_on)
    yield stream, state().raise_renewal_due(date.fromordinal(term_ends.toordinal() - 10))
    renewed = state().renew(date.fromordinal(term_ends.toordinal() - 5))
    yield stream, renewed
    yield from _term_facts(state(), renewed)
    ended = state().end("volunteer", "volunteer_wish", date(2025, 9, 1))
    yield stream, ended
    yield from _term_facts(state(), ended)
    eligibility = Eligibility(eligible=True, active_days=200, required_days=180, activities=12,
                              peer_education_completed=True, missing=())
    yield stream, state().issue_statement(date(2025, 9, 2), eligibility)
    yield f"volunteer-{volunteer}", [eventstore.NewEvent("volunteer.statement_eligibility_reached", {
        "agreement_id": agreement_id, "reached_on": "2025-08-01", "activities": 12, "active_days": 200,
        "source_event_id": str(uuid.uuid4())})]


def _term_facts(agreement, new_events):
    for term_stream, fact in term_facts(agreement, new_events):
        yield term_stream, [fact]


def record_history(conn, project, seed: dict, commit_every: int = 5) -> set[str]:
    """Runs the history through `project` (the live path); returns the event types it appended."""
    peers = [str(uuid.uuid4()) for _ in range(4)]
    coordinator = str(uuid.uuid4())
    descriptions = [str(uuid.uuid4()) for _ in range(3)]
    scripts = [_description_steps(conn, d, f"Arbejdsplads {i}") for i, d in enumerate(descriptions)]
    scripts += [_peer_steps(conn, p, "volunteer" if i % 2 == 0 else "paid", descriptions[i % 3])
                for i, p in enumerate(peers)]
    scripts += [_agreement_steps(conn, str(uuid.uuid4()), p, coordinator, seed) for p in peers[::2]]
    types, step = set(), 0
    erase_at = {25: peers[0], 70: peers[3]}  # erasures in the middle of the others' lives
    while scripts:
        for script in list(scripts):
            try:
                stream, events = next(script)
            except StopIteration:
                scripts.remove(script)
                continue
            types |= {e.type for e in append(conn, project, stream, events)}
            step += 1
            if step in erase_at:
                person = erase_at.pop(step)
                types |= {e.type for e in append(conn, project, f"person-{person}", [eventstore.NewEvent(
                    "person.erased", {"basis": "data_subject_request", "keys_destroyed": True})])}
            if step % commit_every == 0:
                conn.commit()
    conn.commit()
    return types
