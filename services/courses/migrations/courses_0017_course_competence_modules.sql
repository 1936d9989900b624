-- depends: courses_0016_catalogue_modules
-- Read model: which competence modules a group course counts toward (set by a coordinator).
CREATE TABLE course_competence_modules (
    course_id uuid NOT NULL,
    module_id uuid NOT NULL,
    PRIMARY KEY (course_id, module_id)
);
