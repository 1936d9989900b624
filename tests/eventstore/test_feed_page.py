"""`read_page`: categories filtered in SQL, the position scanned to, and whether the horizon was reached."""
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


def test_a_page_of_one_category_advances_past_the_others(conn):
    """Guards issue 8 item 1 at the store: the page is filtered before its limit, and a reader that takes
    nothing is told how far it scanned."""
    others = [adopt(conn) for _ in range(5)]
    erased = erase(conn)
    last = adopt(conn)
    conn.commit()
    page = es.read_page(conn, limit=2, categories=["person"])
    assert [e.event_id for e in page.events] == [erased.event_id]
    assert page.at_horizon and page.scanned_to == last.position
    nothing = es.read_page(conn, page.scanned_to, limit=2, categories=["person"])
    assert nothing.events == [] and nothing.at_horizon and nothing.scanned_to == last.position
    full = es.read_page(conn, limit=2)
    assert not full.at_horizon and full.scanned_to == others[1].position


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
