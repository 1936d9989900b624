-- depends: network_0004_meetings
-- Read model: peers invited to a meeting besides its network's members.
CREATE TABLE meeting_invitees (
    meeting_id uuid NOT NULL,
    peer_id    uuid NOT NULL,
    PRIMARY KEY (meeting_id, peer_id)
);
CREATE INDEX meeting_invitees_by_peer ON meeting_invitees (peer_id);
