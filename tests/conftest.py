"""Test set-up shared by every test: eventlet first (nameko needs it), then real PostgreSQL databases."""
import eventlet

eventlet.monkey_patch()  # must precede every other import (nameko, psycopg, kombu)

import os  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402

import runtime  # noqa: E402,F401
from runtime import db  # noqa: E402
from runtime import instance_secrets  # noqa: E402
from runtime.config import settings  # noqa: E402

# Tests run like production, not in development mode: CI has no secrets configured, so each run generates its
# own (never a public default); throwaway instances get theirs from tests/support/instance.py.
for _name, _generate in instance_secrets.SECRETS.items():
    os.environ.setdefault(_name, _generate())


@pytest.fixture
def database_url():
    """A fresh database with the event store schema, dropped afterwards."""
    url = f"{settings().pg_url}/test_{uuid.uuid4().hex[:12]}"
    db.create_database(url)
    db.migrate(url)
    yield url
    db.drop_database(url)


@pytest.fixture
def conn(database_url):
    with db.connect(database_url) as connection:
        yield connection


@pytest.fixture
def instance(tmp_path):
    """A throwaway instance (own vhost and databases) with roles and notifications; start what you need."""
    from tests.support.instance import Instance

    created = Instance(workdir=tmp_path).create()
    yield created
    created.destroy()


@pytest.fixture(scope="session")
def topology():
    """Two regions and the national instance, each with its own RabbitMQ node linked by the shovels of
    deploy/multi-region/ (tests/support/topology.py); started once per session, stopped at its end."""
    from tests.support.topology import start_topology

    started, workdir = start_topology()
    yield started
    started.stop()
    workdir.cleanup()


def pytest_collection_modifyitems(items):
    """`pytest -m unit`: the in-process tests (tests/unit, the store's contract cases on memory), which
    need neither a database nor a broker and run in seconds."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if "unit" in item.path.relative_to(item.config.rootpath).parts[:2] or (
                callspec is not None and callspec.params.get("store") == "memory"):
            item.add_marker(pytest.mark.unit)
