-- depends: 0004_inbox
-- How far each consumer has read its source service's event feed when catching up (runtime/catchup.py).
CREATE TABLE feed_checkpoints (
    consumer        text        NOT NULL,
    source          text        NOT NULL,
    global_position bigint      NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, source)
);
