"""Parts of the demo that belong to services deployed only in some topologies (the national meetup needs the
national instance: `--topology multi-region`). Each is skipped with a note while its service does not answer;
otherwise it is written as the others are: through the service's public API, looking before it creates. No
stand-in data."""
from __future__ import annotations

from demo.client import DemoClient


def regional_network(client: DemoClient, report=print) -> int | None:
    """A regional peer network of Region Hovedstaden with a monthly sparring meeting (services/network)."""
    if not client.deployed("network"):
        report("skipped: a regional network with a monthly sparring meeting (the network service is not deployed)")
        return None
    from demo.network import regional_network as write

    return write(client, report)


def national_meetup(client: DemoClient, report=print, wait: float = 0) -> int | None:
    """The yearly national peer meetup: this region's peers signed up for it (demo/national.py), once the national
    instance has announced it (`--topology multi-region`; `wait` seconds for the announcement)."""
    if not client.deployed("network"):
        report("skipped: a national meetup with peers from the regions (the network service is not deployed)")
        return None
    from demo.national import regional_sign_ups

    return regional_sign_ups(client, report, wait)
