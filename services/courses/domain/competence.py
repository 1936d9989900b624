"""What counts toward the national competence catalogue: a group course mapped to modules, closed with its
completion rule met, completes each mapped module for each participant who completed (the module version
current when the course closed: a later version does not change it). Pure; no I/O.

Each completion has its own stream `competence-<completion id>`, the id a uuid5 of course, person and module,
so the same completion can never be recorded twice: the local `competence.completed` (the person's profile)
and the national `competence.completion_reported` (a pseudonym, the module version and the day)."""
from __future__ import annotations

import uuid

from runtime.domain import InvalidValue, RuleBroken
from runtime.eventstore import NewEvent, stream_name

COMPLETION_NAMESPACE = uuid.UUID("5e0b8f3a-7c21-5d44-9a6e-2b1f0c7d8e93")
MAPPABLE = ("planned",)  # a closed or cancelled course's completions are decided


def completion_id(course_id, person_id, module_id) -> uuid.UUID:
    return uuid.uuid5(COMPLETION_NAMESPACE, f"{course_id}/{person_id}/{module_id}")


def mapping(course_id, course_status: str, module_ids, catalogue: dict) -> list[NewEvent]:
    """`catalogue`: module id -> its row (`retired_at`). Unknown or retired modules are refused by name."""
    if course_status not in MAPPABLE:
        raise RuleBroken("course: its completions are decided; the mapping can no longer change",
                         [{"field": "course_id", "reason": f"the course is {course_status}"}])
    ids = list(dict.fromkeys(str(m) for m in module_ids))
    for index, module_id in enumerate(ids):
        module = catalogue.get(module_id)
        if module is None:
            raise InvalidValue.field(f"module_ids.{index}", "not a module of the competence catalogue")
        if module["retired_at"] is not None:
            raise InvalidValue.field(f"module_ids.{index}", "the module is retired")
    return [NewEvent("course_competence.mapped", {"course_id": str(course_id), "module_ids": ids})]


def completion_facts(course, closed: dict, modules: list[dict], today, pseudonym) -> list[tuple[str, NewEvent]]:
    """(stream, event) pairs for a closed course; `modules`: the current version of each mapped module."""
    facts = []
    for participant_id in closed["completed_participant_ids"]:
        person_id = course.participants[participant_id].person_id
        if person_id is None:
            continue
        for module in modules:
            cid = completion_id(course.id, person_id, module["module_id"])
            stream = stream_name("competence", cid)
            completed = {"module_id": str(module["module_id"]), "module_version": module["module_version"],
                         "title": module["title"], "kind": module["kind"], "hours": float(module["hours"])}
            facts.append((stream, NewEvent("competence.completed", {
                **completed, "completion_id": str(cid), "person_id": str(person_id), "course_id": str(course.id),
                "completed_on": today.isoformat()})))
            facts.append((stream, NewEvent("competence.completion_reported", {
                "pseudonym": pseudonym(person_id), "module_id": str(module["module_id"]),
                "module_version": module["module_version"], "completed_on": today.isoformat()})))
    return facts
