"""`read_page` below a transaction still open (PostgreSQL only; the cases every store passes are in test_store_contract.py)."""
import uuid

from runtime import db, eventstore as es

META = es.Metadata("roles", "region-1084", "test", uuid.uuid4())


def adopt(conn):
    return es.append(conn, f"function_description-{uuid.uuid4()}", [es.NewEvent(
        "function_description.adopted", {"template_id": "t", "template_version": 1, "workplace": "W", "title": "T"})],
        None, META)[0]


def erase(conn):
    return es.append(conn, f"person-{uuid.uuid4()}", [es.NewEvent(
        "person.erased", {"basis": "data_subject_request", "keys_destroyed": True})], None, META)[0]


def test_the_page_stops_below_a_transaction_still_open(database_url):
    with db.connect(database_url) as conn, db.connect(database_url) as open_one:
        before = adopt(conn)
        conn.commit()
        adopt(open_one)  # not committed: holds the horizon
        erase(conn)
        conn.commit()
        page = es.read_page(conn, categories=["person"])
        assert page.events == [] and page.at_horizon and page.scanned_to == before.position
        open_one.commit()
        assert len(es.read_page(conn, categories=["person"]).events) == 1
