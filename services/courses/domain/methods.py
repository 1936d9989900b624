"""Methods (tools) a course works with: the national ones named in the seeds, seeded as data, and
local ones added through the API (`method.added`).

The national methods have fixed ids (uuid5 of their slug), so every instance refers to the same
method by the same id and nothing about them needs an event."""
from __future__ import annotations

import uuid

from runtime.domain import InvalidValue
from runtime.eventstore import NewEvent
from runtime.service.aggregate import Aggregate

_NAMESPACE = uuid.UUID("6f1c6b7e-3d0a-5b1e-9a63-0c4f6d2b8e11")


def _national(slug: str, name: str, description: str) -> dict:
    return {"id": uuid.uuid5(_NAMESPACE, slug), "slug": slug, "name": name, "description": description,
            "origin": "national"}


NATIONAL_METHODS = (
    _national("guide-til-et-godt-hverdagsliv", "Guide til et godt hverdagsliv",
              "Recovery-understøttende redskab til individuelle forløb og gruppeforløb."),
    _national("5-veje-til-et-godt-liv", "5 veje til et godt liv",
              "Fem veje til mental sundhed og trivsel, brugt i gruppeforløb."),
    _national("livshistoriefortaellinger", "Livshistoriefortællinger",
              "Narrativt redskab: at dele og styrke sin livshistorie."),
    _national("liv-i-fokus", "Liv i Fokus",
              "Redskab til individuelle peer-støtteforløb med udgangspunkt i borgerens ønsker og mål."),
)
NATIONAL_METHOD_IDS = {m["id"] for m in NATIONAL_METHODS}


class LocalMethod(Aggregate):
    CATEGORY = "method"

    def __init__(self, method_id):
        super().__init__(method_id)
        self.name = ""

    def on_added(self, payload: dict) -> None:
        self.name = payload["name"]

    @staticmethod
    def add(name: str, description: str, existing_names: set[str]) -> list[NewEvent]:
        taken = {n.casefold() for n in existing_names} | {m["name"].casefold() for m in NATIONAL_METHODS}
        if name.strip().casefold() in taken:
            raise InvalidValue.field("name", "a method with this name exists")
        return [NewEvent("method.added", {"name": name.strip(), "description": description})]
