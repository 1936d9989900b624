"""Parts of the demo that belong to services still being built or deployed only in some topologies (the
national meetup needs the national instance: `--topology multi-region`). Each is skipped with a note until its service answers; then it is written here as the others
are: through the service's public API, looking before it creates. No stand-in data."""
from __future__ import annotations

from demo.client import DemoClient


def regional_network(client: DemoClient, report=print) -> int | None:
    """A regional peer network of Region Hovedstaden with a monthly sparring meeting (services/network)."""
    if not client.deployed("network"):
        report("skipped: a regional network with a monthly sparring meeting (the network service is not deployed)")
        return None
    from demo.network import regional_network as write

    return write(client, report)


def national_meetup(client: DemoClient, report=print) -> int | None:
    """The yearly national peer meetup with peers from four regions, and the national picture it fills
    (network service's national events and the national instance, `--topology multi-region`)."""
    if not client.deployed("network"):
        report("skipped: a national meetup with peers from four regions (the network service is not deployed)")
        return None
    report("skipped: the national meetup's demo part is not written yet (demo/pending.py)")
    return None
