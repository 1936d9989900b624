"""Demo data from the seeds, loaded through the services' public HTTP APIs only (never into tables).

`load()` runs one function per part of the seeds, in order; each looks before it creates (stable ids and
"(demo)" names), so a second load changes nothing. A part whose service is not deployed yet is skipped with
a note (demo/pending.py), never filled with stand-in data. `peer-admin demo load` and deploy/up.sh (unless
`--no-demo`) call it. Every name is invented and carries "(demo)".
"""
from __future__ import annotations

from admin.services import services_of
from demo.client import DemoClient, ServiceUnavailable
from demo.courses import individual_support_course, peer_education, recovery_group
from demo.pending import national_meetup, regional_network
from demo.national import national_meetup_event
from demo.roles import bro_til_hverdagslivet_volunteers, parkvaenget_paid_peer

PARTS = (
    ("seed 001: Parkvænget's paid peer and function description", parkvaenget_paid_peer),
    ("seed 003: three volunteers of Bro til hverdagslivet", bro_til_hverdagslivet_volunteers),
    ("seed 000: the peer education", peer_education),
    ("seed 000: recovery group with 'Guide til et godt hverdagsliv' and '5 veje til et godt liv'", recovery_group),
    ("seed 000: an individual support course", individual_support_course),
    ("a regional network with a monthly sparring meeting", regional_network),
    ("seed 004: this region's peers signed up for the national meetup", national_meetup),
)
# The national instance holds no person: its demo is the meetup, which the regions' peers then sign up for.
NATIONAL_PARTS = (("seed 004: the national meetup (landsmøde), announced to every region", national_meetup_event),)

__all__ = ["DemoClient", "ServiceUnavailable", "PARTS", "NATIONAL_PARTS", "load"]


# The parts written through the courses service: skipped with a note at an instance that does not run it (the
# multi-region run's meetup regions run roles and network only: admin/runner.py MULTI_REGION_SERVICES).
COURSES_PARTS = (peer_education, recovery_group, individual_support_course)


def load(client: DemoClient, report=print, announcement_wait: float = 0) -> dict[str, int]:
    """Loads every part; returns how many objects each part created (0 everywhere on a second load). At a region,
    the national meetup's part waits up to `announcement_wait` seconds for the national instance's announcement."""
    national = client.instance_id == "national"
    client.wait_ready(("national",) if national else ("roles",))
    with_courses = "courses" in services_of(client.instance_id, client.env)  # INSTANCE_SERVICES, when set
    if with_courses:
        client.wait_ready(("courses",))
    created = {}
    for title, part in NATIONAL_PARTS if national else PARTS:
        if part in COURSES_PARTS and not with_courses:
            report(f"skipped: {title} (the courses service is not deployed here)")
            created[part.__name__] = None
            continue
        if part is national_meetup:
            count = national_meetup(client, report, announcement_wait)
        else:
            count = part(client, report)
        created[part.__name__] = count
        if count is not None:
            report(f"{title}: {count} created" if count else f"{title}: already there")
    return created
