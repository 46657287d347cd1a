-- A tenant named in a job's access_scope cannot be deleted or renamed (conflag.tenants_protect_scopes()).
CREATE OR REPLACE TRIGGER tenants_protect_scopes BEFORE DELETE OR UPDATE OF id ON conflag.tenants
  FOR EACH ROW EXECUTE FUNCTION conflag.tenants_protect_scopes();
COMMENT ON TRIGGER tenants_protect_scopes ON conflag.tenants IS 'Refuses deleting or renaming a tenant a job''s access_scope names (conflag.tenants_protect_scopes).';
