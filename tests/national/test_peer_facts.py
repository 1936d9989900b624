"""Peers by kind in the national picture (services/national/facts/peers.py): a registration counts its kind, in
the month the region registered it; the shared fact holds the kind and nothing else (contracts/roles.py)."""
import uuid
from datetime import date, datetime, timezone

import pytest
from marshmallow import ValidationError

from contracts import contract
from runtime.eventstore import RecordedEvent
from services.national import facts
from services.roles.domain.peer import Peer, national_stream_of


def registered(kind):
    return RecordedEvent(uuid.uuid4(), "peer_kind.registered", 1, "peer_kind-region-1084:p2:abc", 0, 1, 1,
                         datetime(2026, 5, 31, 23, tzinfo=timezone.utc), {"instance_id": "region-1084"}, {"kind": kind})


@pytest.mark.parametrize("kind", ["paid", "volunteer"])
def test_a_registration_counts_its_kind_in_its_month(kind):
    assert facts.increments(registered(kind)) == [(f"peers_registered_{kind}", date(2026, 5, 1), 1)]


def test_the_region_shares_the_kind_only_in_a_stream_apart_from_the_peers_own():
    details = {"kind": "volunteer", "title": "frivillig peer", "name": "Sofie", "workplace": "Bro"}
    [shared] = Peer.shared_nationally(details)
    assert (shared.type, shared.payload) == ("peer_kind.registered", {"kind": "volunteer"})
    assert national_stream_of("p1") == "peer_kind-p1"
    national = contract("peer_kind.registered", 1)
    assert national.national and set(national.schema().fields) == {"kind"}
    with pytest.raises(ValidationError):
        national.schema().load({"kind": "employee"})
