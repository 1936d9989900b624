-- depends: notifications_0003_personal_messages
-- What the network service's notices tell of meetings (ids, kinds, titles, times, places; invitees by id
-- only), and the persons erased here: consulted whenever an event is applied, so that an event about a
-- person that arrives after their erasure (another service's feed, a rebuild) brings nothing back.
CREATE TABLE known_meetings (
    id         uuid PRIMARY KEY,
    network_id uuid,
    kind       text NOT NULL,
    title      text NOT NULL,
    place      text NOT NULL
);
CREATE TABLE known_meeting_occurrences (
    id         uuid        PRIMARY KEY,   -- uuid5 of (meeting, occurrence): a reminder's subject
    meeting_id uuid        NOT NULL,
    occurrence text        NOT NULL,      -- the original start in UTC, iCalendar's RECURRENCE-ID form
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    place      text        NOT NULL,
    status     text        NOT NULL,
    sequence   integer     NOT NULL,
    UNIQUE (meeting_id, occurrence)
);
CREATE TABLE known_meeting_invitees (
    meeting_id uuid NOT NULL,
    person_id  uuid NOT NULL,
    PRIMARY KEY (meeting_id, person_id)
);
CREATE INDEX known_meeting_invitees_by_person ON known_meeting_invitees (person_id);

-- National events announced to this instance (the network service's `national_event_notice`): public texts.
CREATE TABLE known_national_events (
    id        uuid        PRIMARY KEY,
    title     text        NOT NULL,
    starts_at timestamptz NOT NULL,
    ends_at   timestamptz NOT NULL,
    place     text        NOT NULL
);

-- Not a read model: kept through rebuilds, like preferences. Holds an id and nothing else.
CREATE TABLE forgotten_persons (
    person_id       uuid        PRIMARY KEY,
    erased_event_id uuid        NOT NULL,
    recorded_at     timestamptz NOT NULL
);
