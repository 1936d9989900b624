"""A PostgreSQL outage while requests and events flow: 503s and retried events, and no process dies.

It stops and starts a PRIVATE server (tests/support/private_postgres.py), never the shared one."""
import subprocess

import pytest

from runtime import db
from tests.support.function_description_delivery import QUEUE, envelopes, inbox_rows, publish
from tests.support import private_postgres
from tests.support.instance import Instance, wait_until
from tests.support.private_postgres import PrivatePostgres

pytestmark = pytest.mark.skipif(not private_postgres.available(), reason="PostgreSQL server binaries not installed")


@pytest.fixture
def instance_on_private_postgres(tmp_path):
    server = PrivatePostgres().init().start()
    instance = Instance(workdir=tmp_path)
    instance.pg_url = server.server_url
    try:
        yield instance.create(), server
    finally:
        try:
            server.start()  # if the test stopped here, the instance's databases need it to be dropped
        except subprocess.CalledProcessError:
            pass  # running already
        instance.destroy()
        server.destroy()


def test_a_database_outage_gets_503s_and_retries_and_kills_no_process(instance_on_private_postgres):
    """Guards issue 8 item 4: `pool.getconn()` raising PoolTimeout during dependency injection (outside
    nameko's worker try-block) killed the service. Now a request during the outage is a 503 problem
    document, an event is retried with backoff (not dead-lettered), and both processes live on."""
    instance, server = instance_on_private_postgres
    instance.start_service("roles")
    instance.start_service("notifications")
    assert instance.call("POST", "roles", "/function-descriptions", json={"workplace": "Før"}).status_code == 201

    server.stop()
    during = instance.call("POST", "roles", "/function-descriptions", json={"workplace": "Under"})
    assert during.status_code == 503
    assert during.headers["Content-Type"] == "application/problem+json"
    assert during.json()["type"] == "/problems/unavailable" and "Retry-After" in during.headers
    publish(instance, [(e, "application/json") for e in envelopes(workplace="Under nedbruddet")[:3]])
    wait_until(lambda: "transient failure, retrying" in instance.processes["notifications"].log(), timeout=30,
               message="the event is being retried")
    assert instance.processes["roles"].running and instance.processes["notifications"].running

    server.start()
    wait_until(lambda: len(inbox_rows(instance)) == 2, timeout=60, message="the event applied after the outage")
    assert instance.queue_depth(QUEUE + ".dead-letter") == 0
    after = instance.call("POST", "roles", "/function-descriptions", json={"workplace": "Efter"})
    assert after.status_code == 201
    assert instance.processes["roles"].running and instance.processes["notifications"].running
    with db.connect(instance.database_url("roles")) as conn:
        assert conn.execute("SELECT count(*) AS n FROM function_descriptions").fetchone()["n"] == 2
