"""The application layer a service's API mixins share: load an aggregate (folded once from its opened
stream), decide, append its events sealed with their projection in the same transaction, and publish
the facts that follow into their own streams.

A service's base mixin subclasses `Application` and names its `projections` module (with `project`)
and `PERSON_STREAMS` (streams that are a person: no command once they were erased, 410). The service
class has `db = Database()` and `vault = Vault()`."""
from __future__ import annotations

import uuid

from runtime import eventstore
from runtime.domain import NotFound
from runtime.privacy.erasure import erased_subject, refuse_commands_on_erased


class Application:
    """Mixin for the service class (which has `db = Database()` and `vault = Vault()`).

    Personal data: decisions are made on plaintext (streams are opened by the vault when loaded),
    events are sealed per person before they are appended, read models keep the sealed values, and
    only a response to an allowed caller opens them (`self.vault.open(row)`)."""

    projections = None
    PERSON_STREAMS: dict[str, str] = {}

    def _load(self, aggregate_cls, aggregate_id):
        events = self.vault.open(self.db.read_stream(aggregate_cls.stream_of(aggregate_id)))
        aggregate = aggregate_cls.from_events(aggregate_id, events)
        if not aggregate.exists:
            raise NotFound(f"{aggregate_cls.CATEGORY.replace('_', ' ')} {aggregate_id} does not exist")
        return aggregate

    def _append(self, stream: str, events, expected_version) -> list:
        refuse_commands_on_erased(self.vault, stream, self.PERSON_STREAMS)
        recorded = self.db.append(stream, self.vault.seal(stream, events), expected_version)
        project_page = getattr(self.projections, "project_page", None)
        if project_page is not None:  # the command's events as one page: each folded row read and written once
            project_page(self.db.conn, recorded)
        else:
            for event in recorded:
                self.projections.project(self.db.conn, event)
        return recorded

    def _record(self, aggregate, events, expected_version=None) -> list:
        """Append `events` to the aggregate's stream (checking the version the caller read, if given,
        else the one just loaded) and apply the plaintext `events` to the aggregate."""
        expected = aggregate.version if expected_version is None else expected_version
        recorded = self._append(aggregate.stream, events, expected)
        for event, stored in zip(events, recorded):
            aggregate.apply(event.type, event.payload)
            aggregate.version = stored.stream_version
        return recorded

    def _publish(self, facts) -> None:
        """Facts for other services, in streams of their own, in the same transaction as the decision
        they follow. The aggregate's rules keep a fact from being decided twice; the expected version
        keeps two decisions from interleaving in a stream."""
        by_stream: dict[str, list] = {}
        for stream, event in facts:
            by_stream.setdefault(stream, []).append(event)
        for stream, events in by_stream.items():
            self._append(stream, events, self.db.current_version(stream))

    def _record_forgetting(self, event: dict) -> None:
        """A consumer's answer to `person.erased` (roles): record it in this service's own store, stream
        `forgotten_person-<person id>`, so a rebuild forgets at the same place; the projection forgets."""
        subject = erased_subject(event)
        stream = f"forgotten_person-{subject}"
        if subject is None or self.db.read_stream(stream):
            return
        self._append(stream, [eventstore.NewEvent("forgotten_person.recorded", {"erased_event_id": event["event_id"]})],
                     eventstore.NO_STREAM)

    @staticmethod
    def _create_id() -> uuid.UUID:
        return uuid.uuid4()
