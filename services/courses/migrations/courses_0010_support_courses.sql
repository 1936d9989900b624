-- depends: courses_0009_who5_measurements
-- Read model: individual support courses. `evaluation` is personal data.
CREATE TABLE support_courses (
    id           uuid        PRIMARY KEY,
    citizen_id   uuid        NOT NULL,
    peer_id      uuid,
    method_ids   jsonb       NOT NULL,
    status       text        NOT NULL,
    close_reason text,
    evaluation   text,
    opened_at    timestamptz NOT NULL,
    closed_at    timestamptz,
    version      bigint      NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX support_courses_by_peer ON support_courses (peer_id, status);
CREATE INDEX support_courses_by_citizen ON support_courses (citizen_id);
