-- depends: 0001_events
-- Where the relay has published up to, as a feed position (transaction id, global position).
CREATE TABLE relay_checkpoints (
    relay_name      text        PRIMARY KEY,
    transaction_id  xid8        NOT NULL,
    global_position bigint      NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
