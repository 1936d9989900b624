"""Seed 003's volunteer agreement as the agreement-to-statement slice records it, and courses facts appended to the courses store as that service does (its relay publishes them)."""
import uuid

from runtime import db, eventstore

VOLUNTEER = str(uuid.uuid4())
COORDINATOR = str(uuid.uuid4())
PROJECT = "Bro til hverdagslivet"
AGREEMENT = {
    "volunteer_id": VOLUNTEER, "coordinator_id": COORDINATOR, "project": PROJECT, "name": "Sofie Frivillig",
    "address": "Stationsvej 3", "postcode": "2840", "city": "Holte", "phone": "+45 20 30 40 50",
    "email": "sofie@example.dk", "cpr": "010190-1234", "start_date": "2025-01-06",
    "criminal_record_check": "requested",
}


def publish_as_courses(instance, stream, events):
    """Append contract-valid events to the courses store, as the courses service does; its relay publishes them."""
    metadata = eventstore.Metadata("courses", instance.instance_id, "service:courses", uuid.uuid4())
    with db.connect(instance.database_url("courses")) as conn:
        eventstore.append(conn, stream, events, None, metadata)
        conn.commit()
