-- depends: courses_0015_support_sessions_withdrawn
-- Read model: the national competence catalogue as this instance received it (one row per module version).
CREATE TABLE catalogue_module_versions (
    module_id      uuid        NOT NULL,
    module_version integer     NOT NULL,
    title          text        NOT NULL,
    description    text        NOT NULL,
    learning_goals jsonb       NOT NULL,
    kind           text        NOT NULL,
    hours          numeric     NOT NULL,
    received_at    timestamptz NOT NULL,
    PRIMARY KEY (module_id, module_version)
);
CREATE TABLE catalogue_modules (
    module_id      uuid        PRIMARY KEY,
    current_version integer    NOT NULL,
    retired_at     timestamptz
);
