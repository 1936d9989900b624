"""The national service's read model: `picture_cells`, written in the same transaction as the received
fact is stored, and rebuilt from the stored facts by `peer-admin rebuild national` (same rows: each
fact adds the same amounts, whatever the order)."""
from __future__ import annotations

from runtime.eventstore import RecordedEvent
from services.national import facts

READ_MODEL_TABLES = ("picture_cells",)


def project(conn, event: RecordedEvent) -> None:
    instance_id = event.metadata["instance_id"]
    for measure, period, amount in facts.increments(event):
        conn.execute(
            "INSERT INTO picture_cells (measure, instance_id, period, value) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (measure, instance_id, period) DO UPDATE SET value = picture_cells.value + EXCLUDED.value",
            (measure, instance_id, period, amount))
