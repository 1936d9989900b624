-- depends: courses_0008_group_feedback
-- Read model: WHO-5 measurements (special-category health data) of group participants and of citizens
-- in individual support courses; `respondent_id` is the participant id or the support course id.
-- Answers and scores are sealed by the vault (text), opened only for allowed readers.
CREATE TABLE who5_measurements (
    course_id     uuid        NOT NULL,
    respondent_id uuid        NOT NULL,
    timing        text        NOT NULL,
    course_type   text        NOT NULL,
    person_id     uuid        NOT NULL,
    items         jsonb       NOT NULL,
    raw_score     text        NOT NULL,
    score         text        NOT NULL,
    recorded_at   timestamptz NOT NULL,
    PRIMARY KEY (course_id, respondent_id, timing)
);
CREATE INDEX who5_measurements_by_person ON who5_measurements (person_id);
