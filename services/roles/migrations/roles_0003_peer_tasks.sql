-- depends: roles_0002_peers_and_volunteers
-- Agreed tasks with success criteria and monthly evaluations, kept with the peer's row.
ALTER TABLE peers ADD COLUMN tasks jsonb NOT NULL DEFAULT '[]';
ALTER TABLE peers ADD COLUMN evaluations jsonb NOT NULL DEFAULT '[]';
