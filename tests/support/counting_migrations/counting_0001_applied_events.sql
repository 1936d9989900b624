-- depends: 0004_inbox
-- The test-only `counter` service (tests/support/counting_service.py): one row per application of an
-- event, with NO unique constraint, so an event applied twice shows up as two rows and can be counted.
-- `seq` is taken at insert time; within one stream the inbox's row lock serialises applications, so
-- ordering a stream's rows by seq gives the order in which its events were applied.
CREATE TABLE applied_events (
    seq            bigint      GENERATED ALWAYS AS IDENTITY,
    event_id       uuid        NOT NULL,
    event_type     text        NOT NULL,
    stream         text        NOT NULL,
    stream_version bigint      NOT NULL,
    applied_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Every delivery the handler committed, with what the inbox made of it (applied, duplicate, parked):
-- evidence that the faults really produced redeliveries and reordering for the inbox to absorb.
CREATE TABLE deliveries (
    seq            bigint      GENERATED ALWAYS AS IDENTITY,
    event_id       uuid        NOT NULL,
    stream         text        NOT NULL,
    stream_version bigint      NOT NULL,
    outcome        text        NOT NULL,
    delivered_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
