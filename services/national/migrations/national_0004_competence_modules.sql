-- depends: national_0003_national_event_registrations
-- Read model: the competence catalogue (one row per module version; the current one is the highest) and the
-- completions of its modules by source instance and month (counts only: no pseudonym is kept here).
CREATE TABLE competence_module_versions (
    module_id      uuid        NOT NULL,
    module_version integer     NOT NULL,
    title          text        NOT NULL,
    description    text        NOT NULL,
    learning_goals jsonb       NOT NULL,
    kind           text        NOT NULL,
    hours          numeric     NOT NULL,
    published_at   timestamptz NOT NULL,
    PRIMARY KEY (module_id, module_version)
);
CREATE TABLE competence_modules (
    module_id  uuid        PRIMARY KEY,
    retired_at timestamptz
);
CREATE TABLE competence_cells (
    module_id   uuid    NOT NULL,
    instance_id text    NOT NULL,
    period      date    NOT NULL,
    value       integer NOT NULL,
    PRIMARY KEY (module_id, instance_id, period)
);
