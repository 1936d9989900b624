-- depends: roles_0008_eligibility_reached_and_contacts
-- GET /function-descriptions answers a page at a time in this order (?workplace= one workplace's):
-- the index reads a page without sorting the whole read model.
CREATE INDEX function_descriptions_list_order ON function_descriptions (workplace, updated_at, id);
