-- depends: counting_0001_applied_events
-- A gate every `counter` transaction passes AT COMMIT: a deferred constraint trigger on `deliveries`
-- (one row per handled delivery) takes a shared advisory lock. While a test holds that lock
-- exclusively, the counter's workers hang inside COMMIT; the test then kills the consumer with its
-- commits in flight (tests/faults/harness.py: Scenario.kill_counter_mid_commit). Uncontended, the
-- shared lock costs nothing measurable.
CREATE FUNCTION commit_gate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtext('counter-commit-gate'));
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER deliveries_commit_gate AFTER INSERT ON deliveries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION commit_gate();
