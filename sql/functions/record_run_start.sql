-- The start of a run, as conflag's runner records it (src/sql/startRun.ts, under the job's start lock): a row of
-- conflag.job_runs that is either 'running' (this session's pid; counts zero) or 'skipped' (finished at once, the
-- reason in error). The runner may not INSERT into job_runs itself (migration 0010), so no run can be made up
-- with another status or counts, and a run's scope — which the row-level security of the recordings table reads
-- (conflag.enter_run_scope) — is never wider than its job's: a run of a scoped job with no scope, or with a
-- tenant outside the job's scope, is refused (CF305). The job's name is copied from the job. SECURITY DEFINER.
CREATE OR REPLACE FUNCTION conflag.record_run_start(
  p_job_id bigint, p_trigger text, p_attempt integer, p_as_of timestamptz, p_timezone text, p_mode text, p_action text,
  p_access_scope text[], p_condition jsonb, p_parallelism integer, p_batch_target_ms integer, p_runner text,
  p_queue_job_id uuid, p_retryable boolean, p_skipped_because text DEFAULT NULL)
  RETURNS TABLE (run_id bigint, as_of timestamptz, started_at timestamptz)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
  job conflag.jobs%ROWTYPE;
  running boolean := p_skipped_because IS NULL;
BEGIN
  SELECT * INTO job FROM conflag.jobs j WHERE j.id = p_job_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'record_run_start: no job has id %', coalesce(p_job_id::text, 'NULL')
      USING ERRCODE = 'CF301', HINT = 'A run is recorded for an existing job: SELECT id, name FROM conflag.jobs;';
  END IF;
  IF job.access_scope IS NOT NULL AND (p_access_scope IS NULL OR NOT p_access_scope <@ job.access_scope) THEN
    RAISE EXCEPTION 'record_run_start: run scope % is wider than job "%"''s access_scope %',
      coalesce(p_access_scope::text, 'NULL (every tenant)'), job.name, job.access_scope
      USING ERRCODE = 'CF305', HINT = 'A run acts in its job''s access_scope or part of it; load the job again and start the run again.';
  END IF;
  RETURN QUERY
  INSERT INTO conflag.job_runs AS r (job_id, job_name, trigger, attempt, as_of, timezone, mode, action, access_scope, condition,
                                     parallelism, batch_target_ms, runner, queue_job_id, retryable, status, error, finished_at, backend_pid)
  VALUES (job.id, job.name, p_trigger, p_attempt, coalesce(p_as_of, now()), p_timezone, p_mode, p_action, p_access_scope, p_condition,
          p_parallelism, p_batch_target_ms, p_runner, p_queue_job_id, p_retryable,
          CASE WHEN running THEN 'running' ELSE 'skipped' END, p_skipped_because,
          CASE WHEN running THEN NULL ELSE clock_timestamp() END, CASE WHEN running THEN pg_backend_pid() END)
  RETURNING r.id, r.as_of, r.started_at;
END;
$function$;

COMMENT ON FUNCTION conflag.record_run_start(bigint, text, integer, timestamptz, text, text, text, text[], jsonb, integer, integer, text, uuid, boolean, text) IS 'Internal (runner): records a run of job p_job_id as running (this session) or, with p_skipped_because, as skipped; returns its id, as_of and started_at. Refuses a scope wider than the job''s access_scope (CF305) and an unknown job (CF301). The runner role has no INSERT on conflag.job_runs.';
REVOKE EXECUTE ON FUNCTION conflag.record_run_start(bigint, text, integer, timestamptz, text, text, text, text[], jsonb, integer, integer, text, uuid, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.record_run_start(bigint, text, integer, timestamptz, text, text, text, text[], jsonb, integer, integer, text, uuid, boolean, text) TO conflag_runner;
