-- depends: courses_0005_group_sessions
-- Read model: participants of group courses, with the waitlist (status waitlisted, in `listed_at` order).
CREATE TABLE group_participants (
    id               uuid        PRIMARY KEY,
    course_id        uuid        NOT NULL,
    participant_type text        NOT NULL,
    citizen_id       uuid,
    peer_id          uuid,
    status           text        NOT NULL,
    completed        boolean     NOT NULL DEFAULT false,
    listed_at        timestamptz NOT NULL,
    listed_position  bigint      NOT NULL,
    enrolled_at      timestamptz,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX group_participants_by_course ON group_participants (course_id, status, listed_position);
CREATE INDEX group_participants_by_citizen ON group_participants (citizen_id);
CREATE INDEX group_participants_by_peer ON group_participants (peer_id);
