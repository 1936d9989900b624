-- depends: network_0007_meeting_sign_ups
-- Read model: attendance per held occurrence (the latest record of a peer counts).
CREATE TABLE meeting_attendance (
    meeting_id  uuid        NOT NULL,
    occurrence  text        NOT NULL,
    peer_id     uuid        NOT NULL,
    status      text        NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (meeting_id, occurrence, peer_id)
);
CREATE INDEX meeting_attendance_by_peer ON meeting_attendance (peer_id);
