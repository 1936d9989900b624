"""The roles read models (peers, agreements, what courses reported) rebuilt from events equal the live ones."""
import dataclasses
import uuid
from datetime import date

import contracts
from runtime import db, eventstore
from runtime.privacy import sealing
from runtime.eventstore.projection import rebuild
from services.roles import projections
from services.roles.domain.peer import Peer
from services.roles.domain.peer import stream_of as peer_stream
from services.roles.domain.volunteer_agreement import VolunteerAgreement
from services.roles.domain.volunteer_agreement import stream_of as agreement_stream
from tests.support.domain import fake_seal
from tests.support.volunteer_agreement import COORDINATOR, SEED_FIELDS, VOLUNTEER

ROLES_MIGRATIONS = "services/roles/migrations"


def append(conn, stream, events):
    sealed = [dataclasses.replace(e, schema_version=1, payload=sealing.seal_payload(
        contracts.contract(e.type, 1).schema, e.payload, stream, fake_seal)) for e in events]
    for recorded in eventstore.append(conn, stream, sealed, None,
                                      eventstore.Metadata("roles", "i", "test", uuid.uuid4())):
        projections.project(conn, recorded)


def snapshot(conn):
    return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in projections.READ_MODEL_TABLES}


def test_rebuild_equals_live(database_url):
    db.migrate(database_url, ROLES_MIGRATIONS)
    with db.connect(database_url) as conn:
        peer = Peer(id=VOLUNTEER)
        append(conn, peer_stream(peer.id), Peer.register({"kind": "volunteer", "title": "frivillig peer",
                                                          "name": "Sofie", "workplace": "Bro"}))
        peer = Peer.from_events(peer.id, eventstore.read_stream(conn, peer_stream(peer.id)))
        append(conn, peer_stream(peer.id), peer.set_terms(4, [{"weekday": "mon", "starts": "10:00",
                                                               "ends": "12:00"}], 0))
        append(conn, peer_stream(peer.id), peer.record_accommodation_needs(["Tid til overgange"]))
        agreement_id = str(uuid.uuid4())
        stream = agreement_stream(agreement_id)
        append(conn, stream, VolunteerAgreement.draft(SEED_FIELDS))
        for party, who in (("volunteer", VOLUNTEER), ("coordinator", COORDINATOR)):
            agreement = VolunteerAgreement.from_events(agreement_id, eventstore.read_stream(conn, stream))
            append(conn, stream, agreement.sign(party, who, date(2025, 1, 6)))
        agreement = VolunteerAgreement.from_events(agreement_id, eventstore.read_stream(conn, stream))
        append(conn, stream, agreement.announce_pause(date(2025, 2, 1), date(2025, 2, 10)))
        activity = str(uuid.uuid4())
        append(conn, f"volunteer-{VOLUNTEER}", [eventstore.NewEvent("volunteer.activity_counted", {
            "activity_id": activity, "kind": "companionship", "held_at": "2025-01-20T10:00:00+00:00",
            "source_event_id": str(uuid.uuid4())})])
        live = snapshot(conn)
        assert live["volunteer_agreements"][0]["status"] == "paused"
        assert len(live["volunteer_activities"]) == 1
        conn.commit()  # the feed reads committed events only
        rebuild(conn, projections.READ_MODEL_TABLES, projections.project)
        assert snapshot(conn) == live


def test_rebuild_waits_for_events_committed_behind_an_open_transaction_and_readers_keep_answering(database_url):
    """Guards issue 8 item 2: the rebuild stopped at the first empty read, so a `person.erased` committed
    behind a transaction still open (below the feed horizon's reach) was left out and the erased person
    came back; and TRUNCATE's lock made readers wait for the whole rebuild."""
    import eventlet

    db.migrate(database_url, ROLES_MIGRATIONS)
    person, colleague = str(uuid.uuid4()), str(uuid.uuid4())
    with db.connect(database_url) as conn:
        for peer in (person, colleague):
            append(conn, peer_stream(peer), Peer.register({"kind": "volunteer", "title": "frivillig peer",
                                                           "name": "Sofie", "workplace": "Bro"}))
    with db.connect(database_url) as still_open, db.connect(database_url) as writer, \
            db.connect(database_url) as rebuilder, db.connect(database_url) as reader:
        append(still_open, agreement_stream(str(uuid.uuid4())), VolunteerAgreement.draft(SEED_FIELDS))  # not committed
        append(writer, f"person-{person}", [eventstore.NewEvent(
            "person.erased", {"basis": "data_subject_request", "keys_destroyed": True})])
        writer.commit()  # committed, but behind the open transaction: not readable by the feed yet
        reader.execute("SET lock_timeout = '2s'")
        rebuilder.execute("SET lock_timeout = '10s'")  # bounds the test if a lock makes it wait
        seen_during: list = []

        def read_then_finish_the_open_transaction():
            eventlet.sleep(0.3)  # the rebuild is under way and waiting
            try:
                seen_during.append(reader.execute("SELECT count(*) AS n FROM peers").fetchone()["n"])
            finally:
                reader.rollback()
                still_open.commit()

        finisher = eventlet.spawn(read_then_finish_the_open_transaction)
        rebuild(rebuilder, projections.READ_MODEL_TABLES, projections.project, wait_for=10,
                project_page=projections.project_page)  # as `peer-admin rebuild` runs it
        rebuilder.commit()
        finisher.wait()
        assert seen_during == [1]  # readers answered during the rebuild, from the rows as they were
        assert [r["id"] for r in rebuilder.execute("SELECT id FROM peers").fetchall()] == [uuid.UUID(colleague)]
        assert rebuilder.execute("SELECT count(*) AS n FROM volunteer_agreements").fetchone()["n"] == 1
