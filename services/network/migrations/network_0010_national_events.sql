-- depends: network_0009_resources
-- Read model: the national events the national instance announced (national.broadcast), for peers to sign up.
CREATE TABLE national_events (
    id           uuid        PRIMARY KEY,
    title        text        NOT NULL,
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    place        text        NOT NULL,
    capacity     integer     NOT NULL,
    themes       jsonb       NOT NULL,
    programme    jsonb       NOT NULL,
    announced_at timestamptz NOT NULL
);
