-- depends: notifications_0002_recipient_person
-- Personal inbox (read, archived), the send ledger, durable reminders, preferences, and what this
-- service knows of other services' facts (ids only: contact data is fetched from roles when sending).
ALTER TABLE inbox_messages ALTER COLUMN recipient_role DROP NOT NULL;
ALTER TABLE inbox_messages ALTER COLUMN source_event DROP NOT NULL;
ALTER TABLE inbox_messages ADD COLUMN rule text, ADD COLUMN category text, ADD COLUMN cause text,
    ADD COLUMN read_at timestamptz, ADD COLUMN archived_at timestamptz;
CREATE INDEX inbox_messages_of_person ON inbox_messages (recipient_person, created_at DESC)
    WHERE recipient_person IS NOT NULL;

-- One row per message per recipient per channel; id = uuid5(cause, recipient, channel).
CREATE TABLE deliveries (
    id              uuid        PRIMARY KEY,
    person_id       uuid        NOT NULL,
    channel         text        NOT NULL CHECK (channel IN ('email', 'inbox')),
    rule            text        NOT NULL,
    category        text        NOT NULL,
    critical        boolean     NOT NULL,
    cause           text        NOT NULL,
    subject         text        NOT NULL,
    body            text        NOT NULL,
    calendar        text,
    status          text        NOT NULL CHECK (status IN ('pending', 'digest', 'sent', 'failed', 'suppressed',
                                                             'no_address')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending', 'digest');
CREATE INDEX deliveries_of_person ON deliveries (person_id);
CREATE INDEX deliveries_failed ON deliveries (created_at) WHERE status = 'failed';

-- A reminder fires at due_at; its recipients are resolved then. key = rule/cause/offset.
CREATE TABLE reminders (
    key        text        PRIMARY KEY,
    rule       text        NOT NULL,
    subject_id uuid        NOT NULL,   -- the session, agreement or peer the reminder is about
    person_id  uuid,                   -- set when the reminder concerns one person (erased with them)
    due_at     timestamptz NOT NULL,
    status     text        NOT NULL CHECK (status IN ('pending', 'fired', 'dropped')),
    cause      text        NOT NULL,   -- changes when the cause moves: a moved session reminds again
    values     jsonb       NOT NULL,
    fired_at   timestamptz
);
CREATE INDEX reminders_due ON reminders (due_at) WHERE status = 'pending';
CREATE INDEX reminders_by_subject ON reminders (subject_id);

CREATE TABLE channel_preferences (
    person_id uuid    NOT NULL,
    category  text    NOT NULL,
    channel   text    NOT NULL,
    enabled   boolean NOT NULL,
    PRIMARY KEY (person_id, category, channel)
);
CREATE TABLE person_settings (
    person_id    uuid    PRIMARY KEY,
    quiet_from   time,
    quiet_until  time,
    daily_digest boolean NOT NULL DEFAULT false,
    newsletter   boolean NOT NULL DEFAULT false
);

-- What the rules need to know of other services' facts: ids, times, titles; never a name or contact.
CREATE TABLE known_peers (
    id                      uuid PRIMARY KEY,
    leader_id               uuid,
    function_description_id uuid
);
CREATE TABLE known_agreements (
    id             uuid PRIMARY KEY,
    volunteer_id   uuid NOT NULL,
    coordinator_id uuid NOT NULL,
    status         text NOT NULL,
    term_ends_on   date
);
CREATE INDEX known_agreements_by_volunteer ON known_agreements (volunteer_id);
CREATE TABLE known_courses (
    id     uuid PRIMARY KEY,
    kind   text NOT NULL,
    title  text NOT NULL,
    status text NOT NULL
);
CREATE TABLE known_course_people (
    course_id      uuid NOT NULL,
    person_id      uuid NOT NULL,
    role           text NOT NULL CHECK (role IN ('facilitator', 'participant')),
    participant_id uuid,
    status         text NOT NULL,
    PRIMARY KEY (course_id, person_id, role)
);
CREATE TABLE known_sessions (
    id        uuid        PRIMARY KEY,
    course_id uuid        NOT NULL,
    title     text        NOT NULL,
    starts_at timestamptz NOT NULL,
    ends_at   timestamptz NOT NULL,
    place     text        NOT NULL,
    status    text        NOT NULL,
    sequence  integer     NOT NULL
);
