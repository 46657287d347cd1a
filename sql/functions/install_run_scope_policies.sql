-- Puts the row-level security of runs (conflag.run_scope_policy_specs) where it belongs: on the mapped recordings
-- table and each of its partitions, and on no other table. Returns one line per thing it did (nothing when all was
-- in place):
--   - enables row-level security where it was off, creates a missing policy, replaces one whose definition is not
--     conflag's current one (dropped and created in this transaction: never a moment without it);
--   - drops conflag's policies from every other table (the table mapped before, a detached partition) and, where
--     conflag had turned row-level security on (its recordings_everyone was for PUBLIC), turns it off again.
-- conflag.recordings keeps the policies of migration 0006 whatever is mapped.
-- Called when the mapping changes (conflag.recording_source_apply) and by `conflag migrate`; a DBA calls it after
-- attaching a partition (runs refuse until then, CF413). It needs the rights to change those tables' policies
-- (their owner): it runs as its caller.
CREATE OR REPLACE FUNCTION conflag.install_run_scope_policies()
RETURNS SETOF text
LANGUAGE plpgsql
AS $$
DECLARE
  v_spec   record;
  v_policy record;
BEGIN
  FOR v_spec IN SELECT * FROM conflag.run_scope_policy_specs() ORDER BY relation::text, policy_name LOOP
    IF NOT (SELECT c.relrowsecurity FROM pg_class c WHERE c.oid = v_spec.relation) THEN
      EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', v_spec.relation);
      RETURN NEXT format('enabled row-level security on %s', v_spec.relation);
    END IF;
    SELECT p.oid, obj_description(p.oid, 'pg_policy') AS description INTO v_policy
      FROM pg_policy p WHERE p.polrelid = v_spec.relation AND p.polname = v_spec.policy_name;
    CONTINUE WHEN v_policy.description IS NOT DISTINCT FROM v_spec.description;
    IF v_policy.oid IS NOT NULL THEN
      EXECUTE format('DROP POLICY %I ON %s', v_spec.policy_name, v_spec.relation);
    END IF;
    EXECUTE v_spec.definition;
    EXECUTE format('COMMENT ON POLICY %I ON %s IS %L', v_spec.policy_name, v_spec.relation, v_spec.description);
    RETURN NEXT format('%s policy %I on %s', CASE WHEN v_policy.oid IS NULL THEN 'created' ELSE 'replaced' END, v_spec.policy_name, v_spec.relation);
  END LOOP;
  FOR v_policy IN
    SELECT p.polname, p.polrelid::regclass AS relation, p.polroles = '{0}' AND p.polname = 'recordings_everyone' AS for_public
      FROM pg_policy p
     WHERE p.polname IN ('recordings_runner_scope', 'recordings_everyone')
       AND obj_description(p.oid, 'pg_policy') LIKE '%Installed by conflag.install_run_scope_policies()%'
       AND (p.polrelid, p.polname) NOT IN (SELECT s.relation, s.policy_name FROM conflag.run_scope_policy_specs() s)
     ORDER BY p.polrelid::regclass::text, p.polname
  LOOP
    EXECUTE format('DROP POLICY %I ON %s', v_policy.polname, v_policy.relation);
    RETURN NEXT format('dropped policy %I from %s', v_policy.polname, v_policy.relation);
    IF v_policy.for_public THEN
      EXECUTE format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', v_policy.relation);
      RETURN NEXT format('disabled row-level security on %s', v_policy.relation);
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION conflag.install_run_scope_policies() IS 'Enables row-level security and creates or repairs the run-scope policies (recordings_everyone, recordings_runner_scope) on the mapped recordings table and its partitions, as conflag.recordings has them; drops them from any other table (turning row-level security off where conflag had turned it on); returns what it did. Run by conflag migrate and when the mapping changes; run it by hand (as the table''s owner) after attaching a partition (CF413).';
REVOKE EXECUTE ON FUNCTION conflag.install_run_scope_policies() FROM PUBLIC;
