-- depends: 0004_inbox
-- Read model: the national picture, one count per measure, source instance and month (services/national/facts).
-- Counts only: no person, no pseudonym, no text.
CREATE TABLE picture_cells (
    measure     text   NOT NULL,
    instance_id text   NOT NULL,
    period      date   NOT NULL CHECK (extract(day FROM period) = 1),
    value       bigint NOT NULL CHECK (value >= 0),
    PRIMARY KEY (measure, instance_id, period)
);
