-- depends: 0004_inbox
-- Read model: the peers roles reported (id and kind only: never their personal data).
CREATE TABLE network_peers (
    id       uuid        PRIMARY KEY,
    kind     text        NOT NULL,
    known_at timestamptz NOT NULL
);
