-- depends: roles_0001_function_descriptions
-- Read models: peers with their terms; volunteer agreements; what the courses service reported of
-- volunteers (activities, peer education). Personal values stay sealed (opened when read).
CREATE TABLE peers (
    id                      uuid        PRIMARY KEY,
    kind                    text        NOT NULL,
    title                   text        NOT NULL,
    name                    text        NOT NULL,
    workplace               text        NOT NULL,
    leader_id               uuid,
    mentor_id               uuid,
    function_description_id uuid,
    terms                   jsonb,
    secondments             jsonb       NOT NULL,
    accommodation_needs     text,
    accommodation_readers   jsonb       NOT NULL,
    version                 bigint      NOT NULL,
    updated_at              timestamptz NOT NULL
);

CREATE TABLE volunteer_agreements (
    id                       uuid        PRIMARY KEY,
    volunteer_id             uuid        NOT NULL,
    coordinator_id           uuid        NOT NULL,
    status                   text        NOT NULL,
    details                  jsonb       NOT NULL,
    confidentiality_accepted boolean     NOT NULL,
    criminal_record_check    text        NOT NULL,
    signatures               jsonb       NOT NULL,
    active_from              date,
    term_ends_on             date,
    pauses                   jsonb       NOT NULL,
    ended                    jsonb,
    renewals                 jsonb       NOT NULL,
    statement_issued_on      date,
    version                  bigint      NOT NULL,
    updated_at               timestamptz NOT NULL
);
CREATE INDEX volunteer_agreements_by_volunteer ON volunteer_agreements (volunteer_id);
CREATE INDEX volunteer_agreements_by_term ON volunteer_agreements (term_ends_on) WHERE status IN ('active', 'paused');

CREATE TABLE volunteer_activities (
    activity_id uuid        PRIMARY KEY,
    peer_id     uuid        NOT NULL,
    kind        text        NOT NULL,
    held_at     timestamptz NOT NULL,
    withdrawn   boolean     NOT NULL DEFAULT false
);
CREATE INDEX volunteer_activities_by_peer ON volunteer_activities (peer_id);

CREATE TABLE peer_educations (
    peer_id      uuid PRIMARY KEY,
    course_id    uuid NOT NULL,
    completed_on date NOT NULL
);
