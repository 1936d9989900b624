-- depends: roles_0007_activity_minutes
-- Agreements whose volunteer reached statement eligibility (volunteer.statement_eligibility_reached):
-- it is announced once per agreement.
CREATE TABLE statement_eligibility_reached (
    agreement_id uuid PRIMARY KEY,
    volunteer_id uuid NOT NULL,
    reached_on   date NOT NULL
);
CREATE INDEX statement_eligibility_reached_by_volunteer ON statement_eligibility_reached (volunteer_id);

-- A person's e-mail address (contact.email_recorded), sealed with their key; for persons without a
-- volunteer agreement (paid peers, leaders, coordinators). Forgotten when the person is erased.
CREATE TABLE person_contacts (
    person_id  uuid        PRIMARY KEY,
    email      text        NOT NULL,
    version    integer     NOT NULL,
    updated_at timestamptz NOT NULL
);
