"""Shared runtime for every service: event store, relay, inbox, auth, vault, HTTP helpers.

Domain logic never lives here. Importing this package first pins psycopg's wait function to
`wait_select`: psycopg's C wait blocks eventlet's hub, so one slow query would freeze a whole
service (heartbeats included). `runtime.db.assert_green_wait()` checks it took effect.
"""
import os

os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

import warnings

# nameko 2.14 imports eventlet, which announces its deprecation on every start; we know.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
