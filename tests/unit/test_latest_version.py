"""`contracts.latest_version` is asked on every append and every event read: it is a lookup made once from
the registered contracts (it scanned them all on every call), and it follows a newly registered version and
a registry that a test put back."""
import pytest
from marshmallow import Schema, fields

import contracts
from contracts import registry


def test_latest_version_follows_registrations_and_a_restored_registry():
    before = (dict(registry._contracts), dict(registry._upcasters))
    assert contracts.latest_version("function_description.support_mode_decided") == 1
    try:
        @registry.event("function_description.support_mode_decided", 2, upcast_from_previous=lambda p: p)
        class SupportModeDecidedV2(Schema):
            support_mode = fields.String(required=True)

        assert contracts.latest_version("function_description.support_mode_decided") == 2
    finally:
        registry._contracts, registry._upcasters = before
    assert contracts.latest_version("function_description.support_mode_decided") == 1
    with pytest.raises(contracts.UnknownEventType):
        contracts.latest_version("function_description.no_such_event")
