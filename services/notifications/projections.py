"""The notifications service's read models. It has no events of its own: every row comes from an event it
consumed (roles' function descriptions and erasures), so `peer-admin rebuild notifications` rebuilds them
from the sources' feeds through the service's own `@consumes` handlers (runtime/projection.rebuild_from_feeds).
Message ids and times come from the events, so a rebuild gives the same rows as the live run."""

READ_MODEL_TABLES = ("inbox_messages",)
