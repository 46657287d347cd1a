-- TRUNCATE of conflag.tenants is refused like a DELETE of a tenant a job names (conflag.tenants_protect_scopes()).
CREATE OR REPLACE TRIGGER tenants_protect_scopes_truncate BEFORE TRUNCATE ON conflag.tenants
  FOR EACH STATEMENT EXECUTE FUNCTION conflag.tenants_protect_scopes();
COMMENT ON TRIGGER tenants_protect_scopes_truncate ON conflag.tenants IS 'Refuses TRUNCATE while a job''s access_scope names a tenant (conflag.tenants_protect_scopes).';
