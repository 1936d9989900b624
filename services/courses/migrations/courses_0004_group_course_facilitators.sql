-- depends: courses_0003_group_courses
-- Read model: which peers facilitate which course (a peer's own courses, a peer's calendar).
CREATE TABLE group_course_facilitators (
    course_id uuid NOT NULL,
    peer_id   uuid NOT NULL,
    position  integer NOT NULL,
    PRIMARY KEY (course_id, peer_id)
);
CREATE INDEX group_course_facilitators_by_peer ON group_course_facilitators (peer_id);
