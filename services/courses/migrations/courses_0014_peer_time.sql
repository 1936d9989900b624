-- depends: courses_0013_support_sessions
-- Read model: a peer's time, one row per source (a facilitated group session, an individual session,
-- a peer's own attendance as a participant), for the hours report. `day` is the local (Danish) date.
CREATE TABLE peer_time (
    source_key  text        PRIMARY KEY,
    peer_id     uuid        NOT NULL,
    kind        text        NOT NULL,
    course_type text        NOT NULL,
    course_id   uuid        NOT NULL,
    day         date        NOT NULL,
    minutes     integer     NOT NULL
);
CREATE INDEX peer_time_by_peer_day ON peer_time (peer_id, day);
