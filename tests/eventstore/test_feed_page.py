"""`read_page` below a transaction still open (PostgreSQL only; the cases every store passes are in test_store_contract.py)."""
import uuid

import pytest

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


def _feed_plan(conn, read, *args) -> dict:
    """The plan of the statement `read(conn, *args)` sends, as EXPLAIN (FORMAT JSON) gives it."""
    sent = {}

    class Recorder:
        def execute(self, query, params=None, **kwargs):
            sent.update(query=query, params=params)
            raise LookupError

    try:
        read(Recorder(), *args)
    except LookupError:
        pass
    return conn.execute("EXPLAIN (FORMAT JSON) " + sent["query"], sent["params"], prepare=False).fetchone()


def _sorts_under_a_limit(node: dict) -> list[str]:
    children = node.get("Plans", [])
    found = [node["Node Type"]] if node["Node Type"] == "Limit" and children[0]["Node Type"] == "Sort" else []
    return found + [s for child in children for s in _sorts_under_a_limit(child)]


def _fill(conn, events: int) -> None:
    conn.execute(
        "INSERT INTO events (event_id, stream_name, stream_version, event_type, schema_version, payload, "
        "metadata, occurred_at) SELECT gen_random_uuid(), 'function_description-' || n, 0, "
        "'function_description.support_mode_decided', 1, '{\"support_mode\": \"both\"}', '{}', now() "
        "FROM generate_series(1, %s) AS n", (events,))
    conn.execute("ANALYZE events")


@pytest.mark.parametrize("read,args", [
    (es.read_page, (es.START, 2000, ["function_description", "peer"])),
    (es.read_page, (es.START, 2000, None)),
    (es.read_all, (es.START, 2000)),
], ids=["page by category", "page", "read_all"])
def test_a_page_walks_the_feed_index_instead_of_sorting_the_rest_of_the_feed(database_url, read, args):
    """Guards the quadratic rebuild: `ORDER BY transaction_id` named the output column (the xid cast to
    text and bigint), which no index orders, so every page sorted every later event (0.08x a plain scan
    at 1,000,000 events, 0.2x at 100,000)."""
    with db.connect(database_url, autocommit=True) as conn:
        _fill(conn, 20000)
        plan = next(iter(_feed_plan(conn, read, *args).values()))[0]["Plan"]
    assert _sorts_under_a_limit(plan) == [], plan


def test_the_planner_knows_how_many_events_a_category_filter_keeps(database_url):
    """Guards migration 0008: with no statistics on the category expression the planner took a filter that
    keeps every event for one keeping 0.5 %, and a rebuild's pages read and sorted the whole rest of the feed
    each (quadratic: 0.08x a plain scan at 1,000,000 events). The estimate is what decides the plan."""
    with db.connect(database_url, autocommit=True) as conn:
        _fill(conn, 20000)
        plan = conn.execute(
            "EXPLAIN (FORMAT JSON) SELECT * FROM events "
            "WHERE split_part(stream_name, '-', 1) = ANY('{function_description}'::text[])").fetchone()
        estimated = next(iter(plan.values()))[0]["Plan"]["Plan Rows"]
    assert estimated > 15000, f"the planner expects {estimated} of 20,000 events"


def test_a_category_filtered_page_is_never_prepared(conn):
    """Guards the other half: a prepared statement's generic plan cannot use those statistics (it does not
    know the categories), and psycopg prepares a statement after its fifth run on a connection."""
    for _ in range(8):
        es.read_page(conn, categories=["function_description"])
    prepared = conn.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%%tail_t%%'")
    assert prepared.fetchall() == []
    for _ in range(8):  # unfiltered, the plan is the same whatever the values: prepared as psycopg does
        es.read_page(conn)
    prepared = conn.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%%tail_t%%'")
    assert len(prepared.fetchall()) == 1
