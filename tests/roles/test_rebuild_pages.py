"""The roles rebuild folds a page of events at a time (runtime/eventstore/projection.py, `FoldedPages`):
over a history with every event type of the roles store, the rebuilt read models equal the live ones at
every page size, and the rebuild takes a bounded number of statements per page, not per event."""
import pytest

import contracts
from runtime import db
from runtime.eventstore.projection import rebuild
from services.roles import projections
from tests.support.roles_history import record_history
from tests.support.statements import counting_statements
from tests.support.volunteer_agreement import SEED_FIELDS

ROLES_MIGRATIONS = "services/roles/migrations"
ROLES_TYPES = {c.type for c in contracts.all_contracts() if c.source_service == "roles"}


def snapshot(conn):
    return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in projections.READ_MODEL_TABLES}


@pytest.fixture
def live(database_url):
    db.migrate(database_url, ROLES_MIGRATIONS)
    with db.connect(database_url) as conn:
        types = record_history(conn, projections.project, SEED_FIELDS)
        yield conn, types, snapshot(conn)


def test_the_history_has_every_event_type_of_the_roles_store(live):
    _, types, rows = live
    assert types == ROLES_TYPES
    assert all(rows[t] for t in projections.READ_MODEL_TABLES), [t for t in rows if not rows[t]]


@pytest.mark.parametrize("page_size", [1, 2, 7, 50, 5000])
def test_a_page_wise_rebuild_equals_the_live_read_models(live, page_size):
    conn, _, rows = live
    rebuild(conn, projections.READ_MODEL_TABLES, projections.project, batch_size=page_size,
            project_page=projections.project_page)
    assert snapshot(conn) == rows
    conn.rollback()


def test_the_one_event_at_a_time_rebuild_equals_the_live_read_models(live):
    conn, _, rows = live
    rebuild(conn, projections.READ_MODEL_TABLES, projections.project)
    assert snapshot(conn) == rows
    conn.rollback()


def test_a_rebuild_writes_each_folded_row_once_a_page(live):
    """Guards the page-wise fold: one SELECT and one upsert per folded table and page, whatever the
    number of events (it was a SELECT and an upsert per event)."""
    conn, _, _ = live
    events = conn.execute("SELECT count(*) AS n FROM events").fetchone()["n"]
    with counting_statements(conn) as statements:
        rebuild(conn, projections.READ_MODEL_TABLES, projections.project, batch_size=5000,
                project_page=projections.project_page)
    upserts = [s for s in statements if s.startswith(("INSERT INTO \"function_descriptions\"",
                                                       "INSERT INTO \"peers\"", "INSERT INTO \"volunteer_agreements\""))]
    assert events > 100
    # two erasures cut the page in three runs of folded events: at most one upsert per table and run
    assert len(upserts) <= 3 * 3, upserts
    assert len(statements) < events / 2, len(statements)
    conn.rollback()


def test_a_command_of_several_events_reads_and_writes_its_row_once(database_url):
    """Guards the live path's page (runtime/service/application.py, `_append`): a command's events of one
    stream are projected as one page, one SELECT and one upsert of the row, not one of each per event."""
    import uuid

    from runtime import eventstore
    from runtime.service.application import Application
    from services.roles.domain import FunctionDescription

    class Db:
        def __init__(self, conn):
            self.conn = conn

        def append(self, stream, events, expected):
            return eventstore.append(self.conn, stream, events, expected,
                                     eventstore.Metadata("roles", "i", "t", uuid.uuid4()))

    class Vault:
        def seal(self, stream, events):
            return events

    class Roles(Application):
        pass

    db.migrate(database_url, ROLES_MIGRATIONS)
    with db.connect(database_url) as conn:
        app = Roles()
        app.projections, app.db, app.vault = projections, Db(conn), Vault()
        stream = f"function_description-{uuid.uuid4()}"
        with counting_statements(conn) as statements:
            app._append(stream, FunctionDescription.adopt("Bro", None), eventstore.NO_STREAM)  # two events
        projected = [s for s in statements if "function_descriptions" in s]
        assert len(projected) == 2, projected
        row = conn.execute("SELECT version, local_fields FROM function_descriptions").fetchone()
        assert row["version"] == 1 and row["local_fields"]["external_partners"]
