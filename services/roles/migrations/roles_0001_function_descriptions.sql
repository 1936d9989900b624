-- depends: 0004_inbox
-- Read model: function descriptions as coordinators and leaders list and read them.
CREATE TABLE function_descriptions (
    id               uuid        PRIMARY KEY,
    workplace        text        NOT NULL,
    title            text        NOT NULL,
    template_id      text        NOT NULL,
    template_version integer     NOT NULL,
    status           text        NOT NULL,
    support_mode     text,
    revision         integer     NOT NULL,
    local_fields     jsonb       NOT NULL,
    version          bigint      NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX function_descriptions_by_workplace ON function_descriptions (workplace);
