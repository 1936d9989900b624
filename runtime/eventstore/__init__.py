"""The event store: streams with optimistic concurrency, the global feed, projections and the inbox.

The PostgreSQL store (postgres.py) is the product's; the in-memory one (memory.py) runs the same contract
for in-process tests. Its public names are importable from the package."""
from runtime.eventstore.postgres import *  # noqa: F401,F403  (the package's public interface)
from runtime.eventstore.postgres import __all__  # noqa: F401
