-- depends: network_0006_meeting_occurrences
-- Read model: sign-ups per occurrence; `note` stays sealed (the peer's key).
CREATE TABLE meeting_sign_ups (
    meeting_id   uuid        NOT NULL,
    occurrence   text        NOT NULL,
    peer_id      uuid        NOT NULL,
    note         text,
    signed_up_at timestamptz NOT NULL,
    position     bigint      NOT NULL,
    PRIMARY KEY (meeting_id, occurrence, peer_id)
);
