-- The personal-data vault: one data key per person, apart from every event store (its own database).
-- A key is stored wrapped (AES-GCM) by the instance's master key (VAULT_MASTER_KEY), never in clear.
CREATE TABLE person_keys (
    subject     text        PRIMARY KEY CHECK (subject ~ '^[A-Za-z0-9_-]{1,64}$'),
    wrapped_key bytea       NOT NULL,
    kek_id      text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Erased persons: their key is gone and may never be created again (a late command cannot resurrect
-- them). Holds the person id and when, nothing about the person.
CREATE TABLE erased_subjects (
    subject   text        PRIMARY KEY,
    erased_at timestamptz NOT NULL DEFAULT now(),
    erased_by text        NOT NULL
);
