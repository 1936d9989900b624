-- depends: roles_0005_statistics_survive_erasure
-- The peer's own crisis plan, kept with the peer's row: its parts sealed with the peer's key
-- (`{"warning_signs": "pii:v2:…", …}`), and the persons the peer allowed to read it.
ALTER TABLE peers ADD COLUMN crisis_plan jsonb;
ALTER TABLE peers ADD COLUMN crisis_plan_readers jsonb NOT NULL DEFAULT '[]';
