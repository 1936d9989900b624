-- depends: courses_0002_citizens
-- Read model: group courses (recovery groups, recovery-school courses, the peer education).
CREATE TABLE group_courses (
    id              uuid        PRIMARY KEY,
    kind            text        NOT NULL,
    title           text        NOT NULL,
    description     text        NOT NULL,
    method_ids      jsonb       NOT NULL,
    capacity        integer     NOT NULL,
    completion_rule jsonb       NOT NULL,
    status          text        NOT NULL,
    version         bigint      NOT NULL,
    planned_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX group_courses_by_status ON group_courses (status, planned_at);
