"""The roles service's read models, written in the same transaction as the events they follow.

`project` is the only writer: live appends and rebuilds both go through it, so a rebuild gives the
same rows as the live run (timestamps come from the events, never from the clock).
"""
from __future__ import annotations

import json

from runtime import vault
from runtime.eventstore import RecordedEvent
from services.roles.domain import CATEGORY, FunctionDescription

READ_MODEL_TABLES = ("function_descriptions",)

# Where persons' data sits in these read models, so that `person.erased` forgets it (runtime/vault.forget):
# rows about a person are deleted; sealed values of a person inside other rows are masked.
PERSON_ROWS: tuple[tuple[str, str], ...] = ()
PERSON_VALUES = (("function_descriptions", "id", "local_fields"),)


def project(conn, event: RecordedEvent) -> None:
    """Apply one event as stored: personal values stay sealed in the rows (opened when read)."""
    if subject := vault.erased_subject(event):
        vault.forget(conn, subject, delete=PERSON_ROWS, mask=PERSON_VALUES)
        return
    if event.stream.split("-", 1)[0] != CATEGORY:
        return
    description_id = event.stream.split("-", 1)[1]
    row = conn.execute("SELECT * FROM function_descriptions WHERE id = %s", (description_id,)).fetchone()
    description = FunctionDescription(id=description_id)
    if row:
        description = FunctionDescription(
            id=row["id"], version=row["version"], template_id=row["template_id"],
            template_version=row["template_version"], workplace=row["workplace"], title=row["title"],
            local_fields=row["local_fields"], support_mode=row["support_mode"], revision=row["revision"],
            status=row["status"])
    description.apply(event.type, event.payload)
    conn.execute(
        """
        INSERT INTO function_descriptions (id, workplace, title, template_id, template_version, status,
                                           support_mode, revision, local_fields, version, updated_at)
        VALUES (%(id)s, %(workplace)s, %(title)s, %(template_id)s, %(template_version)s, %(status)s,
                %(support_mode)s, %(revision)s, %(local_fields)s, %(version)s, %(updated_at)s)
        ON CONFLICT (id) DO UPDATE SET workplace = EXCLUDED.workplace, title = EXCLUDED.title,
            status = EXCLUDED.status, support_mode = EXCLUDED.support_mode, revision = EXCLUDED.revision,
            local_fields = EXCLUDED.local_fields, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
        """,
        {"id": description_id, "workplace": description.workplace, "title": description.title,
         "template_id": description.template_id, "template_version": description.template_version,
         "status": description.status, "support_mode": description.support_mode,
         "revision": description.revision, "local_fields": json.dumps(description.local_fields, sort_keys=True),
         "version": event.stream_version, "updated_at": event.occurred_at},
    )
