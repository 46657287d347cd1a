-- Whether some session holds the job's liveness lock (conflag.run_lock_key) right now: the job's 'running' run,
-- if it has one, is alive — its runner and session are there (busy or not). A 'running' row without it is a dead
-- run, which the next run of the job or the keep-alive records as interrupted. Read-only (pg_locks): it takes
-- no lock itself. In this database only: jobs of other databases have the same ids.
CREATE OR REPLACE FUNCTION conflag.job_run_alive(p_job_id bigint)
  RETURNS boolean
  LANGUAGE sql
  STABLE
AS $function$
  SELECT EXISTS (
    SELECT 1
      FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
       AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
       AND ((l.classid::bigint << 32) | l.objid::bigint) = conflag.run_lock_key(p_job_id))
$function$;

COMMENT ON FUNCTION conflag.job_run_alive(bigint) IS 'Whether a session holds the job''s liveness lock (conflag.run_lock_key) now: its running run is alive. SELECT id, job_name, conflag.job_run_alive(job_id) AS alive FROM conflag.job_runs WHERE status = ''running''.';
GRANT EXECUTE ON FUNCTION conflag.job_run_alive(bigint) TO conflag_runner, conflag_admin, conflag_reporting;
