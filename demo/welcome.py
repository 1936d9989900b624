"""What the main command prints once the instance is up: what answers where, development tokens for every
role (development mode only), and three `curl` commands that work as printed against the demo data."""
from __future__ import annotations

import os
import shlex

from rich.console import Console
from rich.table import Table

from demo.client import COORDINATOR_ID, LEADER_ID
from demo.roles import PAID_PEER_ID
from runtime.http.auth import ROLES, mint_token
from admin.endpoints import management, relay_metrics_url, service_url

TOKEN_TTL = 12 * 3600  # a working day; development tokens live at most 24 hours
# Each role's demo subject: the peer is the demo's paid peer, so their token sees their own courses.
SUBJECTS = {"peer": PAID_PEER_ID, "coordinator": COORDINATOR_ID, "leader": LEADER_ID}


def tokens(instance_id: str, secret: str) -> dict[str, str]:
    return {role: mint_token(SUBJECTS.get(role, f"demo-{role}"), [role], instance_id, TOKEN_TTL, secret=secret)
            for role in ROLES}


def where_table(services: list[str], amqp_uri: str, env=None) -> Table:
    table = Table("what", "where", title="What answers where")
    for service in services:
        base = service_url(service, env)
        table.add_row(f"{service} API", base)
        table.add_row(f"{service} OpenAPI", f"{base}/openapi.json")
        table.add_row(f"{service} metrics (admin token)", f"{base}/metrics")
        if relay_metrics_url(service, env):
            table.add_row(f"{service} relay metrics", relay_metrics_url(service, env))
    table.add_row("RabbitMQ management", management(amqp_uri, env)[0])
    national_url = (os.environ if env is None else env).get("NATIONAL_URL")
    if "national" in services:
        table.add_row("national overview page (in a browser; paste the national_coordinator token)",
                      f"{service_url('national', env)}/national/overview")
        table.add_row("national overview (national_coordinator token)", f"{service_url('national', env)}/national/picture")
    elif national_url:
        table.add_row("national overview page (in a browser)", f"{national_url}/national/overview")
        table.add_row("national overview", f"{national_url}/national/picture (a national_coordinator token of the "
                                           "national instance)")
    else:
        table.add_row("national overview", "at the national instance: bash deploy/up.sh --topology multi-region, "
                                           "then http://127.0.0.1:8305/national/overview (the page) and "
                                           "http://127.0.0.1:8305/national/picture")
    return table


def curl_examples(tokens_by_role: dict[str, str] | None, env=None, national: bool = False,
                  services=("roles", "courses", "network")) -> list[tuple[str, str]]:
    """(what it shows, command): with real tokens in development mode, else with $TOKEN. At the national
    instance: the national picture and events, as a national coordinator; at an instance without courses
    (a meetup region of the multi-region run), the networks instead of the group courses."""
    def bearer(role: str) -> str:
        return tokens_by_role[role] if tokens_by_role else "$TOKEN"

    def curl(role: str, service: str, path: str) -> str:
        return (f"curl -s -H {shlex.quote('Authorization: Bearer ' + bearer(role))} "
                f"{shlex.quote(service_url(service, env) + path)}")

    if national:
        return [
            ("the national picture of sign-ups for the demo's national meetup, by region and month (counts "
             "under 5 suppressed), as a national coordinator", curl("national_coordinator", "national", "/national/picture?measure=national_event_sign_ups")),
            ("the national events (the demo's landsmøde, places taken), as a national coordinator",
             curl("national_coordinator", "national", "/national/events")),
            ("every measure of the national picture as CSV",
             curl("national_coordinator", "national", "/national/picture.csv")),
        ]
    return [
        ("the peers (seed 001's paid peer, seed 003's volunteers), as their leader",
         curl("leader", "roles", "/peers")),
        ("the function descriptions (seed 001's Parkvænget, published), as the coordinator",
         curl("coordinator", "roles", "/function-descriptions")),
        ("the group courses (peer education, recovery group), as the coordinator",
         curl("coordinator", "courses", "/group-courses")) if "courses" in services else
        ("the peer networks (the regional network with its monthly sparring meeting), as the coordinator",
         curl("coordinator", "network", "/networks")),
    ]


def show(console: Console, *, instance_id: str, services: list[str], amqp_uri: str, dev_mode: bool,
         jwt_secret: str | None, env=None) -> None:
    console.print(where_table(services, amqp_uri, env))
    minted = tokens(instance_id, jwt_secret) if dev_mode and jwt_secret else None
    if minted:
        # Lines, not a table: a token folded into a table cell cannot be copied.
        console.print(f"[bold]Development tokens for {instance_id}[/bold] (12 hours; development mode only):")
        for role, token in minted.items():
            console.print(f"export TOKEN_{role.upper()}={token}", soft_wrap=True, highlight=False, markup=False)
    else:
        console.print("Tokens: not in development mode; mint one with "
                      "`peer-admin mint-token --sub <user id> --role <role>` and export it as TOKEN.")
    console.print("[bold]Try:[/bold]")
    for what, command in curl_examples(minted, env, national="national" in services, services=services):
        console.print(f"# {what}", soft_wrap=True, highlight=False, markup=False)  # a folded comment breaks a paste
        console.print(command, soft_wrap=True, highlight=False, markup=False)
