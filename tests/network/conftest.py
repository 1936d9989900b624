"""Fixtures of the network tests: an instance running roles and network with both relays, so peers
reach network and attendance reaches roles through the broker."""
from __future__ import annotations

import uuid

import pytest

from tests.support.network_instance import NetworkInstance


@pytest.fixture(scope="package")
def network(tmp_path_factory):
    """One instance for the package's tests (each works on its own peers and networks): starting two
    services and two relays is most of a test's time."""
    created = NetworkInstance(services=("roles", "network"), workdir=tmp_path_factory.mktemp("network")).create()
    created.coordinator = str(uuid.uuid4())
    try:
        for service in ("roles", "network"):
            created.start_service(service)
            created.start_relay(service)
        yield created
    finally:
        created.destroy()
