-- depends: 0006_audit_log
-- The audit log refuses DELETE and TRUNCATE too, not only UPDATE: who read special-category data must stay on
-- record whatever a service (or an attacker with its credentials) does. The runtime role has no DELETE or
-- TRUNCATE grant either (runtime/db_roles.py); retention is an owner's operation that disables this trigger
-- inside its own transaction (docs/security.md).
CREATE TRIGGER audit_log_no_delete
    BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
