-- depends: 0001_events
-- Idempotent consumers: per consumer and source stream, the last version applied. It is written in
-- the same transaction as the handler's effects, so a redelivery can never apply an event twice.
CREATE TABLE inbox_streams (
    consumer        text        NOT NULL,
    stream_name     text        NOT NULL,
    applied_version bigint      NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, stream_name)
);

-- Events that arrived ahead of their predecessor wait here until the gap is filled.
CREATE TABLE inbox_parked (
    consumer        text        NOT NULL,
    stream_name     text        NOT NULL,
    stream_version  bigint      NOT NULL,
    envelope        jsonb       NOT NULL,
    parked_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, stream_name, stream_version)
);
