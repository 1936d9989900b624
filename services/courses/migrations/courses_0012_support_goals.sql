-- depends: courses_0011_support_matches
-- Read model: the citizen's own goals. `text` is personal data.
CREATE TABLE support_goals (
    id         uuid        PRIMARY KEY,
    course_id  uuid        NOT NULL,
    citizen_id uuid        NOT NULL,
    text       text        NOT NULL,
    status     text        NOT NULL,
    set_at     timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX support_goals_by_course ON support_goals (course_id, set_at);
