-- depends: 0004_inbox
-- In-app inbox: messages addressed to a role of the instance (a person once peers exist).
CREATE TABLE inbox_messages (
    id             uuid        PRIMARY KEY,
    recipient_role text        NOT NULL,
    subject        text        NOT NULL,
    body           text        NOT NULL,
    source_event   uuid        NOT NULL,
    created_at     timestamptz NOT NULL
);
CREATE INDEX inbox_messages_by_role ON inbox_messages (recipient_role, created_at DESC);
CREATE UNIQUE INDEX inbox_messages_once_per_event ON inbox_messages (source_event, recipient_role);
