"""What every roles API mixin shares: the application layer (runtime/application.py: load, decide,
record with the projection, publish) and who may do what."""
from __future__ import annotations

from runtime.application import Application
from services.roles import projections

# Who may do what (the service README has the whole matrix).
DESCRIPTION_READERS = ("peer", "coordinator", "leader", "admin")  # function descriptions and the template
DESCRIPTION_EDITORS = ("coordinator", "leader", "admin")          # adopt, fill, decide, publish
STAFF = ("coordinator", "leader")                                  # register peers, read them, change assignments
COORDINATION = ("coordinator",)                                    # volunteer agreements and statements
# Streams that are a person, with the field naming them: no command once they were erased (410).
PERSON_STREAMS = {"peer": "peer_id", "volunteer": "peer_id"}


class ApiBase(Application):
    """Mixin for the service class (which has `db = Database()` and `vault = Vault()`).

    Personal data: decisions are made on plaintext (streams are opened by the vault when loaded),
    events are sealed per person before they are appended, read models keep the sealed values, and
    only a response to an allowed caller opens them (`self.vault.open(row)`)."""

    projections = projections
    PERSON_STREAMS = PERSON_STREAMS
