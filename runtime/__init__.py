"""Shared runtime for every service, in layers that depend one way (lowest first, `LAYERS`):

- base modules: errors, domain (plain domain exceptions), config, db, logs, metrics, texts, ical...
- `eventstore/`: the PostgreSQL store and its in-memory twin, the notifier, projections, the inbox;
- `privacy/`: the vault (keys, sealing, erasure) and pseudonyms;
- `service/`: the worker's unit of work (`Database`), the aggregate base and the application base services build on;
- `messaging/`: broker topology, relay, publisher, consumer entrypoint, catch-up, the event feed;
- `http/`: the HTTP entrypoint, auth, audit, OpenAPI, health and metrics endpoints.

A module imports only its own layer and those below; nothing here imports `services/`, `admin/` (the
composition of the product: which services exist, the admin CLI, the local runner) or `demo/`.
tests/architecture/test_layers.py checks this from every module's own imports.

Domain logic never lives here. Importing this package first pins psycopg's wait function to
`wait_select`: psycopg's C wait blocks eventlet's hub, so one slow query would freeze a whole
service (heartbeats included). `runtime.db.assert_green_wait()` checks it took effect.
"""
import os

os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

import warnings

# nameko 2.14 imports eventlet, which announces its deprecation on every start; we know.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")


# Lowest first. A module may import modules of its own layer and of those before it, never after it.
LAYERS = (
    ("base", ("runtime", "runtime.errors", "runtime.domain", "runtime.texts", "runtime.ical", "runtime.config",
              "runtime.db", "runtime.db_roles", "runtime.instance_secrets", "runtime.logs", "runtime.metrics")),
    ("eventstore", ("runtime.eventstore",)),
    ("privacy", ("runtime.privacy",)),
    ("service", ("runtime.service",)),
    ("messaging", ("runtime.messaging",)),
    ("http", ("runtime.http",)),
)
