"""The roles read models (peers, agreements, what courses reported) rebuilt from events equal the live ones."""
import dataclasses
import uuid
from datetime import date

import contracts
from runtime import db, eventstore, vault
from runtime.projection import rebuild
from services.roles import projections
from services.roles.domain.peer import Peer
from services.roles.domain.peer import stream_of as peer_stream
from services.roles.domain.volunteer_agreement import VolunteerAgreement
from services.roles.domain.volunteer_agreement import stream_of as agreement_stream
from tests.roles.helpers import fake_seal
from tests.roles.test_volunteer_agreement_rules import COORDINATOR, SEED_FIELDS, VOLUNTEER

ROLES_MIGRATIONS = "services/roles/migrations"


def append(conn, stream, events):
    sealed = [dataclasses.replace(e, schema_version=1, payload=vault.seal_payload(
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
