"""The resource aggregate: knowledge shared within a network (a link or a text), and what of it may be
offered to the national level: only a link to a public page of a known publisher. A text, a title
or who shared it never leaves the instance, since free text can hold anything about anyone."""
from __future__ import annotations

import re

from contracts.network import PUBLIC_LINK_PATTERN, PUBLIC_PUBLISHERS
from runtime.service.aggregate import Aggregate
from runtime.domain import InvalidValue, RuleBroken
from runtime.eventstore import NewEvent

_PUBLIC_LINK = re.compile(PUBLIC_LINK_PATTERN)


class Resource(Aggregate):
    CATEGORY = "resource"

    def __init__(self, resource_id):
        super().__init__(resource_id)
        self.network_id = self.kind = self.url = None
        self.tags: list[str] = []
        self.theme = None
        self.status = "shared"  # shared | withdrawn
        self.offered_on = None

    def on_shared(self, p):
        self.network_id, self.kind, self.url = str(p["network_id"]), p["kind"], p.get("url")
        self.tags, self.theme = list(p.get("tags", [])), p.get("theme")

    def on_withdrawn(self, p):
        self.status = "withdrawn"

    def on_offered_nationally(self, p):
        self.offered_on = p["offered_on"]

    @staticmethod
    def share(network_id, title, kind, url, text, tags, theme, shared_by) -> list[NewEvent]:
        if kind == "link" and (not url or text):
            raise InvalidValue.field("url", "a link resource has a url and no text")
        if kind == "text" and (not text or url):
            raise InvalidValue.field("text", "a text resource has a text and no url")
        return [NewEvent("resource.shared", {
            "network_id": str(network_id), "title": title, "kind": kind, "url": url, "text": text,
            "tags": list(dict.fromkeys(tags)), "theme": theme, "shared_by": str(shared_by)})]

    def withdraw(self) -> list[NewEvent]:
        if self.status == "withdrawn":
            return []
        return [NewEvent("resource.withdrawn", {})]

    def offer_nationally(self, today) -> list[NewEvent]:
        if self.status == "withdrawn":
            raise RuleBroken.field("status", "the resource was withdrawn")
        if self.offered_on is not None:
            raise RuleBroken.field("status", "already offered to the national level")
        if self.kind != "link":
            raise InvalidValue.field("kind", "only links to public pages go to the national level: "
                                     "a text can hold personal data")
        if not _PUBLIC_LINK.match(self.url or ""):
            raise InvalidValue.field("url", "only https links to public pages of known publishers, without query "
                                     "or fragment, go to the national level (" + ", ".join(PUBLIC_PUBLISHERS) + ")")
        return [NewEvent("resource.offered_nationally", {"offered_on": today.isoformat()})]
