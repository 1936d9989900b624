-- depends: 0004_inbox
-- Who read special-category personal data (accommodation needs, crisis plans, citizen records), when,
-- what and why: one row per read, written in the reading worker's transaction (runtime/audit.py).
-- Append-only: rows are never changed; retention deletes whole old rows (docs/security.md).
CREATE TABLE audit_log (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor          text        NOT NULL,
    actor_roles    text[]      NOT NULL,
    instance_id    text        NOT NULL,
    action         text        NOT NULL,
    resource_type  text        NOT NULL,
    resource_id    text,
    purpose        text        NOT NULL,
    correlation_id uuid
);
CREATE INDEX audit_log_by_resource ON audit_log (resource_type, resource_id, at);
CREATE INDEX audit_log_by_actor ON audit_log (actor, at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER audit_log_no_update
    BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
