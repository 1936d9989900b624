-- depends: network_0010_national_events
-- Read model: this instance's peers signed up for national events, with the national instance's answer.
-- `pseudonym` maps an answer (which names only the pseudonym) back to the peer.
CREATE TABLE national_sign_ups (
    id                uuid        PRIMARY KEY,
    national_event_id uuid        NOT NULL,
    peer_id           uuid        NOT NULL,
    pseudonym         text        UNIQUE,  -- set by `requested`, the next event of the same append
    status            text        NOT NULL CHECK (status IN ('requested', 'accepted', 'waitlisted', 'withdrawn', 'cancelled')),
    position          integer,
    attended          boolean     NOT NULL DEFAULT false,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX national_sign_ups_by_event ON national_sign_ups (national_event_id);
