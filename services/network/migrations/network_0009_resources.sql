-- depends: network_0008_meeting_attendance
-- Read model: resources shared within a network.
CREATE TABLE resources (
    id         uuid        PRIMARY KEY,
    network_id uuid        NOT NULL,
    title      text        NOT NULL,
    kind       text        NOT NULL,
    url        text,
    text       text,
    tags       jsonb       NOT NULL,
    theme      text,
    shared_by  uuid        NOT NULL,
    status     text        NOT NULL,
    offered_on date,
    version    bigint      NOT NULL,
    shared_at  timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX resources_by_network ON resources (network_id, shared_at);
