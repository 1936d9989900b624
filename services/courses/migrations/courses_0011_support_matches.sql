-- depends: courses_0010_support_courses
-- Read model: the history of matches of a support course (a replaced match keeps its row, ended).
CREATE TABLE support_matches (
    course_id  uuid        NOT NULL,
    peer_id    uuid        NOT NULL,
    matched_at timestamptz NOT NULL,
    ended_at   timestamptz,
    end_reason text,
    PRIMARY KEY (course_id, matched_at, peer_id)
);
