"""The function description aggregate: state folded from its events, commands that decide new events."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from runtime.service.aggregate import Aggregate
from runtime.domain import InvalidValue, RuleBroken
from runtime.eventstore import NewEvent, stream_name
from runtime.privacy.sealing import MASK
from services.roles.template import required_local_fields, template

CATEGORY = "function_description"
PERSON_FIELDS = ("nearest_leader", "mentor")  # person references: {"person_id", "name"}


def stream_of(description_id) -> str:
    return stream_name(CATEGORY, description_id)


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and not value) or (
        isinstance(value, str) and not value.strip())


def _names_erased_person(value) -> bool:
    """A person reference whose name opened as the mask: the person was erased, nobody fills the field."""
    return isinstance(value, dict) and value.get("name") == MASK


@dataclass
class FunctionDescription(Aggregate):
    id: uuid.UUID
    version: int = -1
    template_id: str = ""
    template_version: int = 0
    workplace: str = ""
    title: str = ""
    local_fields: dict = field(default_factory=dict)
    support_mode: str | None = None
    revision: int = 0
    status: str = "draft"
    acknowledgements: dict = field(default_factory=dict)  # revision -> {party: person id}

    CATEGORY = CATEGORY

    # -- state (one handler per event, runtime/service/aggregate.py; payloads as the vault opened them:
    # plaintext, or masked after an erasure) ------------------------------------------------------------
    def on_adopted(self, payload: dict) -> None:
        self.template_id = payload["template_id"]
        self.template_version = payload["template_version"]
        self.workplace = payload["workplace"]
        self.title = payload["title"]

    def on_local_fields_filled(self, payload: dict) -> None:
        self.local_fields = {**self.local_fields, **payload["fields"]}
        self.status = "draft"

    def on_support_mode_decided(self, payload: dict) -> None:
        self.support_mode = payload["support_mode"]
        self.status = "draft"

    def on_published(self, payload: dict) -> None:
        self.revision = payload["revision"]
        self.status = "published"

    def on_revision_acknowledged(self, payload: dict) -> None:
        given = self.acknowledgements.get(payload["revision"], {})
        self.acknowledgements = {**self.acknowledgements,
                                 payload["revision"]: {**given, payload["party"]: str(payload["person_id"])}}

    def missing_for_publication(self) -> list[str]:
        return list(self._missing_reasons())

    def _missing_reasons(self) -> dict[str, str]:
        """Each field that stops publication, with why."""
        tmpl = template(self.template_id, self.template_version)
        missing = {}
        for name in required_local_fields(tmpl):
            value = self.local_fields.get(name)
            if _is_empty(value):
                missing[f"local_fields.{name}"] = "required before the description can be published"
            elif _names_erased_person(value):
                missing[f"local_fields.{name}"] = "names a person who was erased; name someone else"
        if self.support_mode is None:
            missing["support_mode"] = "required before the description can be published"
        return missing

    # -- commands -------------------------------------------------------------------------------
    @staticmethod
    def adopt(workplace: str, title: str | None) -> list[NewEvent]:
        tmpl = template()
        return [
            NewEvent("function_description.adopted", {
                "template_id": tmpl["id"], "template_version": tmpl["version"],
                "workplace": workplace, "title": title or tmpl["title"],
            }),
            # The template's default external partners are filled in from the start (seed 003).
            NewEvent("function_description.local_fields_filled",
                     {"fields": {"external_partners": list(tmpl["default_external_partners"])}}),
        ]

    def _person(self, field: str, given: dict) -> dict:
        """A person reference for `given` ({"name", "person_id" or None}): a name without an id keeps the
        person already in the field when the name is unchanged, and otherwise names a new person."""
        current = self.local_fields.get(field) or {}
        person_id = given.get("person_id")
        if person_id is None:
            same = isinstance(current, dict) and current.get("name") == given["name"]
            person_id = current["person_id"] if same else str(uuid.uuid4())
        return {"person_id": str(person_id), "name": given["name"]}

    def fill_local_fields(self, fields: dict) -> list[NewEvent]:
        fields = {k: self._person(k, v) if k in PERSON_FIELDS and v is not None else v for k, v in fields.items()}
        changed = {k: v for k, v in fields.items() if self.local_fields.get(k) != v}
        if not changed:
            return []
        return [NewEvent("function_description.local_fields_filled", {"fields": changed})]

    def decide_support_mode(self, support_mode: str) -> list[NewEvent]:
        if support_mode == self.support_mode:
            return []
        return [NewEvent("function_description.support_mode_decided", {"support_mode": support_mode})]

    def publish(self) -> list[NewEvent]:
        if self.status == "published":
            raise RuleBroken("the function description is already published; change it to publish a new revision",
                           [{"field": "status", "reason": "already published"}])
        missing = self._missing_reasons()
        if missing:
            raise InvalidValue(
                "required local fields are empty: " + ", ".join(missing),
                [{"field": name, "reason": reason} for name, reason in missing.items()],
            )
        return [
            NewEvent("function_description.published", {
                "revision": self.revision + 1, "workplace": self.workplace, "support_mode": self.support_mode,
            }),
            # What the national level learns: the template and the choice, no workplace, no person.
            NewEvent("function_description.shared_nationally", {
                "template_id": self.template_id, "template_version": self.template_version,
                "support_mode": self.support_mode, "revision": self.revision + 1,
            }),
        ]

    def acknowledge(self, revision: int, party: str, person_id) -> list[NewEvent]:
        """The peer and the leader review a published revision together; each acknowledges it."""
        if self.revision == 0 or revision != self.revision:
            raise RuleBroken("only the latest published revision is acknowledged",
                           [{"field": "revision", "reason": f"the latest published revision is {self.revision}"}])
        given = self.acknowledgements.get(revision, {})
        if party in given:
            raise RuleBroken(f"the {party} acknowledged revision {revision} already",
                           [{"field": "party", "reason": "already acknowledged"}])
        events = [NewEvent("function_description.revision_acknowledged",
                           {"revision": revision, "party": party, "person_id": str(person_id)})]
        if set(given) | {party} == {"peer", "leader"}:
            events.append(NewEvent("function_description.revision_reviewed", {"revision": revision}))
        return events


def history(events) -> list[dict]:
    """The published versions of a description, oldest first: what each said and who acknowledged it."""
    description, versions = FunctionDescription(id=None), []
    for event in events:
        description.apply(event.type, event.payload)
        if event.type == "function_description.published":
            versions.append({"revision": description.revision, "published_at": event.occurred_at,
                             "support_mode": description.support_mode,
                             "local_fields": dict(description.local_fields), "acknowledged_by": {},
                             "reviewed": False})
        elif event.type == "function_description.revision_acknowledged":
            versions[-1]["acknowledged_by"] = dict(description.acknowledgements[event.payload["revision"]])
        elif event.type == "function_description.revision_reviewed":
            versions[-1]["reviewed"] = True
    return versions
