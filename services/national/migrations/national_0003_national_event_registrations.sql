-- depends: national_0002_national_events
-- Read model: registrations of national events by region and kind of peer. No pseudonym: counts are read here.
CREATE TABLE national_event_registrations (
    registration_id   uuid    PRIMARY KEY,
    national_event_id uuid    NOT NULL,
    region            text    NOT NULL,
    peer_kind         text    NOT NULL,
    status            text    NOT NULL CHECK (status IN ('accepted', 'waitlisted', 'cancelled')),
    attended          boolean NOT NULL DEFAULT false,
    received          bigint  NOT NULL
);
CREATE INDEX national_event_registrations_by_event ON national_event_registrations (national_event_id, status);
