-- depends: roles_0004_renewal_raised
-- The peer's own crisis plan, kept with the peer's row: its parts sealed with the peer's key
-- (`{"warning_signs": "pii:v2:…", …}`), and the persons the peer allowed to read it.
ALTER TABLE peers ADD COLUMN crisis_plan jsonb;
ALTER TABLE peers ADD COLUMN crisis_plan_readers jsonb NOT NULL DEFAULT '[]';
