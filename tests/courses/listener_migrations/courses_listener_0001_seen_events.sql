-- depends: 0004_inbox
-- The test-only `courses_listener` (tests/support/courses_listener.py): every event it applied, once.
CREATE TABLE seen_events (
    event_id   uuid  PRIMARY KEY,
    event_type text  NOT NULL,
    stream     text  NOT NULL,
    payload    jsonb NOT NULL
);
