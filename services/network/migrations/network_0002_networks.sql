-- depends: network_0001_peers
-- Read model: network groups of the instance.
CREATE TABLE networks (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL,
    purpose    text        NOT NULL,
    kind       text        NOT NULL,
    version    bigint      NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
