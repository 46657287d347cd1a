-- The advisory lock a run's database session holds for as long as the run is in progress (taken in
-- src/sql/startRun.ts, released when the run records its end, or by PostgreSQL when the session ends). So a
-- job's 'running' row whose lock nobody holds belongs to a run whose runner or session went away: that is how
-- conflag.interrupt_dead_run() and the keep-alive tell a dead run from one busy in a long statement. One bigint
-- key per job, in a key space apart from the two-integer locks (hashtext('conflag.job'), job) that serialise a
-- job's run starts and conflag.reset_incremental_state().
CREATE OR REPLACE FUNCTION conflag.run_lock_key(p_job_id bigint)
  RETURNS bigint
  LANGUAGE sql
  IMMUTABLE PARALLEL SAFE
AS $function$
  SELECT (hashtext('conflag.run')::bigint << 32) | (p_job_id & 4294967295)
$function$;

COMMENT ON FUNCTION conflag.run_lock_key(bigint) IS 'The advisory lock key a run''s session holds while the job''s run is in progress; when nobody holds it, a ''running'' row of the job is a dead run. conflag.job_run_alive(job) says whether it is held.';
GRANT EXECUTE ON FUNCTION conflag.run_lock_key(bigint) TO conflag_runner, conflag_admin, conflag_reporting;
