-- depends: courses_0006_group_participants
-- Read model: attendance per held session and participant; a later record replaces an earlier one.
CREATE TABLE group_attendance (
    session_id     uuid        NOT NULL,
    participant_id uuid        NOT NULL,
    course_id      uuid        NOT NULL,
    status         text        NOT NULL,
    minutes_late   integer     NOT NULL,
    recorded_at    timestamptz NOT NULL,
    PRIMARY KEY (session_id, participant_id)
);
CREATE INDEX group_attendance_by_course ON group_attendance (course_id);
