-- depends: roles_0003_peer_tasks
-- The term end whose renewal conversation was raised as due (once per term).
ALTER TABLE volunteer_agreements ADD COLUMN renewal_raised_for date;
