-- A batch's first statement: the session acts in the scope of its run for this transaction (conflag.run_scopes,
-- read by the row-level security policy recordings_runner_scope). The scope is the run's own access_scope, copied
-- from its job when the run started; only a run that is still running has one. SECURITY DEFINER: the runner role
-- may read run_scopes but write it only through here.
CREATE OR REPLACE FUNCTION conflag.enter_run_scope(p_run_id bigint)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO conflag.run_scopes (backend_pid, xid, run_id, tenants)
  SELECT pg_backend_pid(), pg_current_xact_id(), r.id, r.access_scope
    FROM conflag.job_runs r
   WHERE r.id = p_run_id AND r.status = 'running'
  ON CONFLICT (backend_pid) DO UPDATE SET xid = EXCLUDED.xid, run_id = EXCLUDED.run_id, tenants = EXCLUDED.tenants;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'enter_run_scope: run % is not running, so it has no scope to act in', p_run_id
      USING ERRCODE = 'CF304', HINT = 'Only a batch of a run in progress writes recordings.';
  END IF;
END
$$;
COMMENT ON FUNCTION conflag.enter_run_scope(bigint) IS 'Internal (runner): the session acts in the access scope of the running run p_run_id for the current transaction; row-level security lets conflag_runner update only recordings of those tenants. Raises CF304 for a run that is not running.';
REVOKE EXECUTE ON FUNCTION conflag.enter_run_scope(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.enter_run_scope(bigint) TO conflag_runner;
