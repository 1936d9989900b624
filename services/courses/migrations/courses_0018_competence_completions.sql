-- depends: courses_0017_course_competence_modules
-- Read model: a person's competence profile: modules completed here (a mapped course) or elsewhere (an Open
-- Badges credential they presented). Deleted with the person on erasure.
CREATE TABLE competence_completions (
    completion_id   uuid        PRIMARY KEY,
    person_id       uuid        NOT NULL,
    module_id       uuid        NOT NULL,
    module_version  integer     NOT NULL,
    title           text        NOT NULL,
    kind            text        NOT NULL,
    hours           numeric     NOT NULL,
    completed_on    date        NOT NULL,
    course_id       uuid,
    issuer_instance text        NOT NULL,
    source          text        NOT NULL CHECK (source IN ('course', 'credential')),
    recorded_at     timestamptz NOT NULL
);
CREATE INDEX competence_completions_by_person ON competence_completions (person_id, completed_on);
