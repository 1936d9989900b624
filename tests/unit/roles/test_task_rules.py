"""Agreed tasks with success criteria (Parkvænget, seed 001) and monthly evaluations."""
import uuid

import pytest

from runtime.domain import InvalidValue, RuleBroken
from services.roles.domain.peer import Peer, agree_task, evaluate_month, task_progress
from tests.support.domain import decide

WORKSHOPS = ("Udvikle og afholde 3 workshops", [
    {"description": "3 workshops afholdt", "target": 3, "measure": "group_sessions_held"}])
VOLUNTEERS = ("Støtte 3 frivillige peers i at udvikle 3 workshops med 3 øvelser hver", [
    {"description": "3 frivillige har udviklet 3 workshops med 3 øvelser hver", "target": 3, "measure": "manual"}])


def peer_with_tasks():
    peer = Peer(id=str(uuid.uuid4()))
    decide(peer, Peer.register({"kind": "paid", "title": "peer-støttemedarbejder",
                                                    "name": "Peter", "workplace": "Parkvænget"}))
    decide(peer, agree_task(*WORKSHOPS))
    decide(peer, agree_task(*VOLUNTEERS))
    return peer


def test_progress_is_derived_from_the_group_sessions_the_courses_service_reported():
    peer = peer_with_tasks()
    workshops, volunteers = task_progress(peer, group_sessions_held=2)
    assert workshops["success_criteria"][0]["achieved"] == 2
    assert workshops["success_criteria"][0]["met"] is False
    assert workshops["derived_percent"] == 66
    assert volunteers["derived_percent"] is None  # not measurable from reports: the evaluation says
    workshops, _ = task_progress(peer, group_sessions_held=4)
    assert workshops["success_criteria"][0]["met"] is True and workshops["derived_percent"] == 100


def test_monthly_evaluation_of_completion_and_attendance_once_a_month():
    peer = peer_with_tasks()
    ids = [t["task_id"] for t in peer.tasks]
    decide(peer, evaluate_month(peer, "2020-02", [
        {"task_id": ids[0], "completion_percent": 30}, {"task_id": ids[1], "completion_percent": 10}],
        12, 11, "God start"))
    assert peer.evaluations[0]["days_present"] == 11
    assert task_progress(peer, 0)[1]["evaluated_percent"] == 10
    with pytest.raises(RuleBroken):
        evaluate_month(peer, "2020-02", [], 12, 12, None)
    with pytest.raises(InvalidValue) as refused:
        evaluate_month(peer, "2020-03", [{"task_id": str(uuid.uuid4()), "completion_percent": 5}], 12, 13, None)
    assert {e["field"] for e in refused.value.errors} == {"tasks[0].task_id", "days_present"}


def test_the_evaluation_note_is_sealed_personal_data():
    import contracts
    from contracts.personal import Personal

    assert isinstance(contracts.contract("peer.monthly_evaluation_held", 1).schema().fields["note"], Personal)
