-- depends: roles_0006_crisis_plans
-- A volunteer activity's length (volunteer.activity_counted v2), for the volunteer's hours; null for
-- activities recorded before lengths were kept.
ALTER TABLE volunteer_activities ADD COLUMN minutes integer;
