-- depends: network_0002_networks
-- Read model: members of each network (peer ids with their kind); `facilitator` for those who run it.
CREATE TABLE network_members (
    network_id  uuid        NOT NULL,
    peer_id     uuid        NOT NULL,
    peer_kind   text        NOT NULL,
    facilitator boolean     NOT NULL DEFAULT false,
    joined_at   timestamptz NOT NULL,
    PRIMARY KEY (network_id, peer_id)
);
CREATE INDEX network_members_by_peer ON network_members (peer_id);
