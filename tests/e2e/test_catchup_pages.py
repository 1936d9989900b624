"""Catch-up reads the whole feed, page by page, past thousands of events of categories it does not take."""
import uuid

from runtime import db, eventstore
from tests.support.instance import wait_until

OTHER_EVENTS, ERASURES = 1500, 1100  # both more than two pages of the catch-up (runtime/catchup.BATCH)


def append_directly(conn, stream, event_type, payload):
    eventstore.append(conn, stream, [eventstore.NewEvent(event_type, payload)], None,
                      eventstore.Metadata("roles", "region-1084", "test", uuid.uuid4()))


def test_catch_up_reaches_an_erasure_behind_thousands_of_other_events(instance):
    """Guards issue 8 item 1: the feed filtered categories after LIMIT and the catch-up ended on the first
    short page, so a consumer behind 500+ events of other categories applied nothing (an erasure never
    reached notifications). Here the only path is the feed over RPC (no relay runs)."""
    persons = [str(uuid.uuid4()) for _ in range(ERASURES)]
    with db.connect(instance.database_url("roles")) as conn:
        for n in range(OTHER_EVENTS):
            append_directly(conn, f"function_description-{uuid.uuid4()}", "function_description.adopted",
                            {"template_id": "national", "template_version": 1, "workplace": f"W{n}", "title": "Peer"})
        for person in persons:
            append_directly(conn, f"person-{person}", "person.erased",
                            {"basis": "data_subject_request", "keys_destroyed": True})
        last = conn.execute("SELECT max(global_position) AS g FROM events").fetchone()["g"]
    with db.connect(instance.database_url("notifications")) as conn:  # a message about the last person
        conn.execute("INSERT INTO inbox_messages (id, recipient_role, recipient_person, subject, body, "
                     "source_event, created_at) VALUES (%s, 'peer', %s, 's', 'b', %s, now())",
                     (uuid.uuid4(), persons[-1], uuid.uuid4()))

    instance.start_service("roles")
    instance.start_service("notifications")

    def checkpoints():
        with db.connect(instance.database_url("notifications")) as conn:
            return {r["consumer"]: r["global_position"] for r in
                    conn.execute("SELECT consumer, global_position FROM feed_checkpoints").fetchall()}

    wait_until(lambda: checkpoints() == {"notifications.on_person": last,
                                         "notifications.on_function_description": last},
               timeout=90, message="both consumers scanned the whole feed")
    with db.connect(instance.database_url("notifications")) as conn:
        applied = conn.execute("SELECT count(*) AS n FROM inbox_streams WHERE consumer = 'notifications.on_person' "
                               "AND applied_version = 0").fetchone()["n"]
        left = conn.execute("SELECT count(*) AS n FROM inbox_messages WHERE recipient_person = %s",
                            (persons[-1],)).fetchone()["n"]
    assert applied == ERASURES
    assert left == 0
