-- depends: courses_0004_group_course_facilitators
-- Read model: sessions (workshops) with programme, exercises, time and place. `sequence` counts
-- changes of time and place (iCalendar SEQUENCE); `changed_at` is the event time of the last change.
CREATE TABLE group_sessions (
    id                   uuid        PRIMARY KEY,
    course_id            uuid        NOT NULL,
    title                text        NOT NULL,
    starts_at            timestamptz NOT NULL,
    ends_at              timestamptz NOT NULL,
    place                text        NOT NULL,
    programme            text        NOT NULL,
    exercises            jsonb       NOT NULL,
    facilitator_peer_ids jsonb       NOT NULL,
    status               text        NOT NULL,
    held_at              timestamptz,
    sequence             integer     NOT NULL,
    created_at           timestamptz NOT NULL,
    changed_at           timestamptz NOT NULL
);
CREATE INDEX group_sessions_by_course ON group_sessions (course_id, starts_at);
