"""Peers by kind (roles: `peer_kind.registered`), by the month the region registered them.
Only the kind crosses: no title, workplace or name."""
from services.national.facts import counts, measure, month_of

REGISTERED = {"paid": measure("peers_registered_paid", "paid peers registered"),
              "volunteer": measure("peers_registered_volunteer", "volunteer peers registered")}


@counts("peer_kind.registered")
def _registered(event):
    yield REGISTERED[event.payload["kind"]], month_of(event.occurred_at.date()), 1
