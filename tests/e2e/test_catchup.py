"""A consumer that starts late or lost its state catches up from the source's event feed."""
from kombu import Connection

from runtime import db
from tests.support.function_description_delivery import QUEUE, inbox_subjects, publish_description
from tests.support.instance import ROOT, wait_until


def test_consumer_that_lost_its_state_catches_up_from_the_feed(instance):
    instance.start_service("roles")
    instance.start_relay("roles")
    instance.start_service("notifications")
    publish_description(instance, "Parkvænget")
    wait_until(lambda: len(inbox_subjects(instance)) == 2, message="notified through the broker")

    # Disaster: the consumer's database is lost and restored empty; the broker has nothing left.
    instance.processes["notifications"].kill()
    instance.drop_database("notifications")
    instance.provision_database("notifications", ROOT / "services" / "notifications" / "migrations")
    assert inbox_subjects(instance) == []

    instance.start_service("notifications")
    wait_until(lambda: len(inbox_subjects(instance)) == 2, message="caught up from the roles feed")
    assert inbox_subjects(instance) == ["Funktionsbeskrivelse offentliggjort: Parkvænget"] * 2


def test_consumer_added_after_events_were_published_catches_up(instance):
    with Connection(instance.amqp_uri) as conn:  # as if the consumer had never been deployed
        conn.default_channel.queue_delete(QUEUE)
    instance.start_service("roles")
    instance.start_relay("roles")
    publish_description(instance, "Bro til hverdagslivet")
    publish_description(instance, "Parkvænget")
    wait_until(lambda: "unroutable" in instance.processes["roles-relay"].log(), message="relay saw no queue")

    instance.start_service("notifications")
    wait_until(lambda: len(inbox_subjects(instance)) == 4, message="caught up from the roles feed")
    # And the broker path works from now on, without applying anything twice.
    publish_description(instance, "Tredje sted")
    wait_until(lambda: len(inbox_subjects(instance)) == 6, message="the next event through the broker")
    with db.connect(instance.database_url("notifications")) as conn:
        assert conn.execute("SELECT count(*) AS n FROM inbox_parked").fetchone()["n"] == 0
