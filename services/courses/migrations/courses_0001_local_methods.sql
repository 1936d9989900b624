-- depends: 0004_inbox
-- Read model: methods added locally (the national ones are data in services/courses/domain/methods.py).
CREATE TABLE local_methods (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL,
    description text        NOT NULL,
    added_at    timestamptz NOT NULL
);
