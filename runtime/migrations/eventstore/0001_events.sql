-- The event store, and the outbox: every service appends here, the relay publishes from here.
-- transaction_id orders the feed: readers only read below pg_snapshot_xmin so that an event
-- committed late by a slow writer is never skipped (see runtime/eventstore.py).
CREATE TABLE events (
    global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    event_id        uuid        NOT NULL,
    stream_name     text        NOT NULL,
    stream_version  bigint      NOT NULL CHECK (stream_version >= 0),
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL CHECK (schema_version >= 1),
    payload         jsonb       NOT NULL,
    metadata        jsonb       NOT NULL,
    occurred_at     timestamptz NOT NULL,
    CONSTRAINT events_event_id_unique UNIQUE (event_id),
    CONSTRAINT events_stream_version_unique UNIQUE (stream_name, stream_version)
);
CREATE INDEX events_feed_order ON events (transaction_id, global_position);
