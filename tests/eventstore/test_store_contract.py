"""What every event store does, written once and run against each backend (as the `eventsourcing` library
runs its recorder test cases per backend): PostgreSQL (`eventstore.PostgresEventStore`) and memory
(`memorystore.InMemoryEventStore`). What only PostgreSQL does (concurrent writers, the horizon of
transactions still open, immutability triggers, standbys) is tested in the other files here."""
import uuid

import pytest

import contracts
from runtime import db
from runtime import eventstore as es
from runtime.eventstore.memory import InMemoryEventStore

METADATA = es.Metadata("roles", "region-1084", "user-1", uuid.uuid4())
ADOPTED = {"template_id": "t", "template_version": 1, "workplace": "Parkvænget", "title": "Funktionsbeskrivelse"}


@pytest.fixture(params=["postgres", "memory"])
def store(request):
    if request.param == "memory":
        yield InMemoryEventStore()
        return
    database_url = request.getfixturevalue("database_url")
    with db.connect(database_url) as connection:
        yield es.PostgresEventStore(connection)


def new_stream(category="function_description"):
    return es.stream_name(category, uuid.uuid4())


def mode(value="both"):
    return es.NewEvent("function_description.support_mode_decided", {"support_mode": value})


def adopted():
    return es.NewEvent("function_description.adopted", ADOPTED)


def erased():
    return es.NewEvent("person.erased", {"basis": "data_subject_request", "keys_destroyed": True})


# -- appends and streams ---------------------------------------------------------------------------------
def test_append_and_read_back_with_full_envelope(store):
    stream = new_stream()
    recorded = store.append(stream, [adopted(), mode()], es.NO_STREAM, METADATA)
    store.commit()
    assert [e.stream_version for e in recorded] == [0, 1]
    events = store.read_stream(stream)
    assert [e.type for e in events] == ["function_description.adopted", "function_description.support_mode_decided"]
    assert [e.event_id for e in events] == [e.event_id for e in recorded]
    envelope = events[0].envelope()
    assert set(envelope) == {"event_id", "type", "schema_version", "stream", "stream_version", "global_position",
                             "occurred_at", "source_service", "instance_id", "actor", "correlation_id",
                             "causation_id", "payload"}
    assert envelope["instance_id"] == "region-1084"
    assert envelope["correlation_id"] == str(METADATA.correlation_id)
    from contracts.envelope import read_envelope

    assert read_envelope(envelope)["payload"] == ADOPTED
    assert store.read_stream(stream, after_version=0) == events[1:]
    assert store.current_version(stream) == 1
    assert store.current_version(new_stream()) == -1
    assert store.read_stream(new_stream()) == []


@pytest.mark.parametrize("expected", [es.NO_STREAM, 0, 5])
def test_stale_expected_version_is_a_conflict_and_stores_nothing(store, expected):
    stream = new_stream()
    store.append(stream, [mode(), mode("group")], es.NO_STREAM, METADATA)
    store.commit()
    with pytest.raises(es.ConcurrencyConflict) as raised:
        store.append(stream, [mode("individual")], expected, METADATA)
    store.rollback()
    assert raised.value.stream == stream and raised.value.expected == expected
    assert [e.payload["support_mode"] for e in store.read_stream(stream)] == ["both", "group"]


def test_the_expected_version_that_matches_appends_after_it(store):
    stream = new_stream()
    store.append(stream, [mode()], es.NO_STREAM, METADATA)
    assert [e.stream_version for e in store.append(stream, [mode(), mode("group")], 0, METADATA)] == [1, 2]
    store.commit()
    assert store.current_version(stream) == 2


def test_any_version_appends_without_check(store):
    stream = new_stream()
    store.append(stream, [mode()], es.ANY_VERSION, METADATA)
    store.append(stream, [mode()], es.ANY_VERSION, METADATA)
    assert store.current_version(stream) == 1


def test_an_empty_append_records_nothing(store):
    stream = new_stream()
    assert store.append(stream, [], es.NO_STREAM, METADATA) == []
    assert store.current_version(stream) == -1


def test_duplicate_event_id_is_refused(store):
    event = mode()
    store.append(new_stream(), [event], es.NO_STREAM, METADATA)
    with pytest.raises(es.DuplicateEvent):
        store.append(new_stream(), [es.NewEvent(event.type, event.payload, event_id=event.event_id)],
                     es.NO_STREAM, METADATA)


def test_invalid_payload_is_refused_naming_the_field(store):
    with pytest.raises(contracts.InvalidPayload) as raised:
        store.append(new_stream(), [mode("sometimes")], es.NO_STREAM, METADATA)
    assert raised.value.field == "payload.support_mode"
    with pytest.raises(contracts.UnknownEventType):
        store.append(new_stream(), [es.NewEvent("function_description.vanished", {})], es.NO_STREAM, METADATA)
    with pytest.raises(contracts.UnknownSchemaVersion):
        store.append(new_stream(), [es.NewEvent(mode().type, {"support_mode": "both"}, schema_version=7)],
                     es.NO_STREAM, METADATA)


@pytest.mark.parametrize("unstorable", ["Park\x00vænget", "Park\ud800vænget"])
def test_text_postgresql_cannot_store_is_refused_naming_the_field(store, unstorable):
    stream = new_stream()
    with pytest.raises(contracts.InvalidPayload) as raised:
        store.append(stream, [es.NewEvent("function_description.adopted", {**ADOPTED, "workplace": unstorable})],
                     es.NO_STREAM, METADATA)
    assert raised.value.field == "payload.workplace"
    assert unstorable not in str(raised.value)  # the value may be personal data
    assert store.read_stream(stream) == []


def test_event_must_belong_to_its_stream_category(store):
    with pytest.raises(ValueError):
        store.append("peer-1", [mode()], es.NO_STREAM, METADATA)


def test_a_rolled_back_append_leaves_nothing(store):
    stream = new_stream()
    store.append(stream, [mode()], es.NO_STREAM, METADATA)
    store.rollback()
    assert store.read_stream(stream) == [] and store.read_page().events == []
    assert store.append(stream, [mode("group")], es.NO_STREAM, METADATA)[0].stream_version == 0


# -- the feed ----------------------------------------------------------------------------------------------
def test_the_feed_is_in_commit_order_and_reads_on_after_a_position(store):
    stream = new_stream()
    for version in range(5):
        store.append(stream, [mode("group")], version - 1, METADATA)
        store.commit()
    events = store.read_all()
    assert [e.stream_version for e in events] == [0, 1, 2, 3, 4]
    assert [e.position for e in events] == sorted(e.position for e in events)
    assert store.read_all(events[2].position) == events[3:]
    assert store.position_of(events[2].global_position) == events[2].position
    assert store.position_of(0) == es.START
    with pytest.raises(ValueError):
        store.position_of(events[-1].global_position + 1000)
    assert [e.type for e in store.read_all(types=["function_description.adopted"])] == []


def test_uncommitted_events_are_not_in_the_feed_until_committed(store):
    store.append(new_stream(), [mode()], es.NO_STREAM, METADATA)
    store.commit()
    store.append(new_stream(), [mode("group")], es.NO_STREAM, METADATA)
    first = store.read_page().events
    store.commit()
    assert len(first) <= 2  # PostgreSQL shows a connection its own transaction; what others see is below
    assert len(store.read_page().events) == 2


def test_a_page_of_one_category_advances_past_the_others(store):
    others = [store.append(new_stream(), [adopted()], None, METADATA)[0] for _ in range(5)]
    erasure = store.append(new_stream("person"), [erased()], None, METADATA)[0]
    last = store.append(new_stream(), [adopted()], None, METADATA)[0]
    store.commit()
    page = store.read_page(limit=2, categories=["person"])
    assert [e.event_id for e in page.events] == [erasure.event_id]
    assert page.at_horizon and page.scanned_to == last.position
    nothing = store.read_page(page.scanned_to, limit=2, categories=["person"])
    assert nothing.events == [] and nothing.at_horizon and nothing.scanned_to == last.position
    full = store.read_page(limit=2)
    assert not full.at_horizon and full.scanned_to == others[1].position


def test_a_batch_across_page_boundaries_is_read_once_in_order(store):
    """Batches of several events, each in one transaction, read in pages that end inside a batch."""
    streams = [new_stream() for _ in range(3)]
    appended = []
    for stream in streams:
        appended += store.append(stream, [adopted(), mode(), mode("group"), mode("individual")], es.NO_STREAM,
                                 METADATA)
        store.commit()
    read, position, pages = [], es.START, 0
    while True:
        page = store.read_page(position, limit=3)
        read += page.events
        position, pages = page.scanned_to, pages + 1
        if page.at_horizon:
            break
    assert [e.event_id for e in read] == [e.event_id for e in appended]
    assert pages == 5  # 12 events by 3, and the page that finds the horizon
    assert [(e.stream, e.stream_version) for e in read] == [(s, v) for s in streams for v in range(4)]
    assert store.read_page(position).events == [] and not store.has_events_after(position)


def test_has_events_after_says_whether_anything_lies_beyond(store):
    assert not store.has_events_after(es.START)
    event = store.append(new_stream(), [mode()], es.NO_STREAM, METADATA)[0]
    store.commit()
    assert store.has_events_after(es.START) and not store.has_events_after(event.position)


def test_old_versions_are_upcast_on_read_unless_asked_not_to(store, monkeypatch):
    """A stored version-1 event reads back as the latest version; the relay reads it as stored."""
    upcasts = []

    def upcast(event_type, version, payload):
        upcasts.append((event_type, version))
        return version, {**payload, "upcast": True}

    stream = new_stream()
    store.append(stream, [adopted()], es.NO_STREAM, METADATA)
    store.commit()
    monkeypatch.setattr(contracts, "upcast", upcast)
    assert store.read_stream(stream)[0].payload["upcast"] is True
    assert "upcast" not in store.read_stream(stream, upcast=False)[0].payload
    assert store.read_page().events[0].payload["upcast"] is True
    assert upcasts
