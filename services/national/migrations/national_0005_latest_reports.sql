-- depends: national_0004_competence_modules
-- Read model: the report that counts, per stream and key, of every kind counted `latest_of`
-- (services/national/facts): its stream version and the increments it added to picture_cells, so that a later
-- report takes them back without reading the stream again (a rebuild stays linear in the facts replayed).
-- Counts and pseudonymous stream names only.
CREATE TABLE latest_reports (
    stream_name    text    NOT NULL,
    event_type     text    NOT NULL,
    report_key     text    NOT NULL,
    stream_version bigint  NOT NULL,
    increments     jsonb   NOT NULL,
    PRIMARY KEY (stream_name, event_type, report_key)
);
