-- depends: courses_0001_local_methods
-- Read model: citizens. Every column but the id is personal data (sealed by the vault once it lands).
CREATE TABLE citizens (
    id            uuid        PRIMARY KEY,
    name          text        NOT NULL,
    phone         text,
    email         text,
    version       bigint      NOT NULL,
    registered_at timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
