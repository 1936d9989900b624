"""What every roles API mixin shares: the application layer (runtime/service/application.py: load, decide,
record with the projection, publish) and who may do what."""
from __future__ import annotations

from runtime.service.application import Application
from services.roles import projections

# Who may do what (the service README has the whole matrix).
DESCRIPTION_READERS = ("peer", "coordinator", "leader", "admin")  # function descriptions and the template
DESCRIPTION_EDITORS = ("coordinator", "leader", "admin")          # adopt, fill, decide, publish
STAFF = ("coordinator", "leader")                                  # register peers, read them, change assignments
COORDINATION = ("coordinator",)                                    # volunteer agreements and statements
# Streams that are a person, with the field naming them: no command once they were erased (410).
PERSON_STREAMS = {"peer": "peer_id", "volunteer": "peer_id", "contact": "person_id"}


class ApiBase(Application):
    """The roles service's mixins' base: its projections and person streams (runtime/service/application.py says
    how personal data is sealed and opened)."""

    projections = projections
    PERSON_STREAMS = PERSON_STREAMS
