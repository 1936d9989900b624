-- depends: network_0005_meeting_invitees
-- Read model: each occurrence of a meeting (key: its original start in UTC), with the exceptions
-- applied, its theme and agenda. `sequence` counts changes of time, place or status (iCalendar
-- SEQUENCE); `changed_at` is the event time of the last change.
CREATE TABLE meeting_occurrences (
    meeting_id       uuid        NOT NULL,
    occurrence       text        NOT NULL,
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    place            text        NOT NULL,
    status           text        NOT NULL,
    theme            text,
    agenda           jsonb       NOT NULL,
    held_at          timestamptz,
    duration_minutes integer,
    sequence         integer     NOT NULL,
    created_at       timestamptz NOT NULL,
    changed_at       timestamptz NOT NULL,
    PRIMARY KEY (meeting_id, occurrence)
);
CREATE INDEX meeting_occurrences_by_start ON meeting_occurrences (starts_at);
