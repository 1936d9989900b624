"""Demo data from the seeds, loaded through the services' public HTTP APIs only (never into tables).

`load()` runs one function per part of the seeds, in order; each looks before it creates (stable ids and
"(demo)" names), so a second load changes nothing. A part whose service is not deployed yet is skipped with
a note (demo/pending.py), never filled with stand-in data. `peer-admin demo load` and deploy/up.sh (unless
`--no-demo`) call it. Every name is invented and carries "(demo)".
"""
from __future__ import annotations

from demo.client import DemoClient, ServiceUnavailable
from demo.courses import individual_support_course, peer_education, recovery_group
from demo.pending import national_meetup, regional_network
from demo.roles import bro_til_hverdagslivet_volunteers, parkvaenget_paid_peer

PARTS = (
    ("seed 001: Parkvænget's paid peer and function description", parkvaenget_paid_peer),
    ("seed 003: three volunteers of Bro til hverdagslivet", bro_til_hverdagslivet_volunteers),
    ("seed 000: the peer education", peer_education),
    ("seed 000: recovery group with 'Guide til et godt hverdagsliv' and '5 veje til et godt liv'", recovery_group),
    ("seed 000: an individual support course", individual_support_course),
    ("a regional network with a monthly sparring meeting", regional_network),
    ("a national meetup with peers from four regions", national_meetup),
)

__all__ = ["DemoClient", "ServiceUnavailable", "PARTS", "load"]


def load(client: DemoClient, report=print) -> dict[str, int]:
    """Loads every part; returns how many objects each part created (0 everywhere on a second load)."""
    client.wait_ready(("roles", "courses"))
    created = {}
    for title, part in PARTS:
        count = part(client, report)
        created[part.__name__] = count
        if count is not None:
            report(f"{title}: {count} created" if count else f"{title}: already there")
    return created
