-- BEFORE DELETE / UPDATE / TRUNCATE trigger on conflag.tenants: a tenant named in a job's access_scope cannot
-- be deleted or renamed, or the job would silently stop covering it (or cover nothing).
CREATE OR REPLACE FUNCTION conflag.tenants_protect_scopes()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  v_jobs text;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    SELECT string_agg(format('%s (%s)', id, to_jsonb(name)), ', ' ORDER BY id) INTO v_jobs
      FROM (SELECT id, name FROM conflag.jobs WHERE access_scope IS NOT NULL ORDER BY id LIMIT 10) AS j;
    IF v_jobs IS NOT NULL THEN
      RAISE EXCEPTION 'tenants: cannot be truncated while jobs list tenants in their access_scope: jobs %', v_jobs
        USING ERRCODE = 'CF020';
    END IF;
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
    RETURN NEW;
  END IF;
  SELECT string_agg(format('%s (%s)', id, to_jsonb(name)), ', ' ORDER BY id) INTO v_jobs
    FROM (SELECT id, name FROM conflag.jobs WHERE OLD.id = ANY (access_scope) ORDER BY id LIMIT 10) AS j;
  IF v_jobs IS NOT NULL THEN
    RAISE EXCEPTION 'tenants.id: % cannot be % while jobs list it in their access_scope: jobs %', to_jsonb(OLD.id),
      CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'renamed' END, v_jobs
      USING ERRCODE = 'CF020', HINT = 'Remove the tenant from those jobs'' access_scope first (UPDATE conflag.jobs SET access_scope = array_remove(access_scope, ...)).';
  END IF;
  RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION conflag.tenants_protect_scopes() IS 'Trigger (BEFORE DELETE, UPDATE OF id, TRUNCATE on conflag.tenants): refuses to remove or rename a tenant that a job''s access_scope names (CF020).';
