-- depends: network_0003_network_members
-- Read model: meetings of a network or a workplace, with their schedule.
CREATE TABLE meetings (
    id                   uuid        PRIMARY KEY,
    kind                 text        NOT NULL,
    title                text        NOT NULL,
    place                text        NOT NULL,
    network_id           uuid,
    workplace            text,
    facilitator_peer_ids jsonb       NOT NULL,
    schedule             jsonb       NOT NULL,
    status               text        NOT NULL,
    version              bigint      NOT NULL,
    scheduled_at         timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);
CREATE INDEX meetings_by_network ON meetings (network_id);
