-- depends: courses_0014_peer_time
-- A support session recorded by mistake is withdrawn: kept, marked, and no longer counted in hours.
ALTER TABLE support_sessions ADD COLUMN withdrawn_reason text;
