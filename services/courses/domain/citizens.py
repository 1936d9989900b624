"""The citizen (borger/beboer): a person receiving support, owned by this service. Everything in
it is personal data, mostly special-category (health): never in logs, errors or national events."""
from __future__ import annotations

from runtime.eventstore import NewEvent
from runtime.service.aggregate import Aggregate


class Citizen(Aggregate):
    CATEGORY = "citizen"

    def __init__(self, citizen_id):
        super().__init__(citizen_id)
        self.name = ""
        self.phone = None
        self.email = None

    def on_registered(self, payload: dict) -> None:
        self.name, self.phone, self.email = payload["name"], payload.get("phone"), payload.get("email")

    def on_contact_changed(self, payload: dict) -> None:
        self.phone = payload.get("phone", self.phone)
        self.email = payload.get("email", self.email)

    @staticmethod
    def register(name: str, phone: str | None, email: str | None) -> list[NewEvent]:
        return [NewEvent("citizen.registered", {"name": name, "phone": phone, "email": email})]

    def change_contact(self, changes: dict) -> list[NewEvent]:
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        return [NewEvent("citizen.contact_changed", changed)] if changed else []
