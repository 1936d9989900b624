-- depends: courses_0012_support_goals
-- Read model: sessions of individual support courses. `note` is personal data.
CREATE TABLE support_sessions (
    id               uuid        PRIMARY KEY,
    course_id        uuid        NOT NULL,
    citizen_id       uuid        NOT NULL,
    peer_id          uuid        NOT NULL,
    kind             text        NOT NULL,
    held_at          timestamptz NOT NULL,
    duration_minutes integer     NOT NULL,
    note             text        NOT NULL
);
CREATE INDEX support_sessions_by_course ON support_sessions (course_id, held_at);
