-- depends: courses_0007_group_attendance
-- Read model: participant feedback (evaluation interviews). `text` is personal data.
CREATE TABLE group_feedback (
    id             uuid        PRIMARY KEY,
    course_id      uuid        NOT NULL,
    participant_id uuid        NOT NULL,
    person_id      uuid        NOT NULL,
    session_id     uuid,
    interviewed_by uuid        NOT NULL,
    rating         integer,
    text           text        NOT NULL,
    given_at       timestamptz NOT NULL
);
CREATE INDEX group_feedback_by_course ON group_feedback (course_id, given_at);
