-- depends: roles_0004_renewal_raised
-- Statistics survive erasure: an erased volunteer's agreement stays as a fact (status, dates, counts)
-- without the person (volunteer and, if erased, coordinator become NULL; personal details masked),
-- and the peers erased are counted per kind, so the instance's counts do not drop when a person goes.
ALTER TABLE volunteer_agreements ALTER COLUMN volunteer_id DROP NOT NULL;
ALTER TABLE volunteer_agreements ALTER COLUMN coordinator_id DROP NOT NULL;

CREATE TABLE erased_peer_counts (
    kind   text   PRIMARY KEY,
    erased bigint NOT NULL
);
