-- Takeover: when the job's 'running' row belongs to a run whose session is gone (nobody holds its
-- conflag.run_lock_key lock: the runner was killed, its machine died, the database restarted or dropped the
-- connection), records that run as 'interrupted' and returns its id; returns NULL when the job has no running
-- run or its run is alive. Called by a run that is starting (src/sql/startRun.ts: it holds the lock already, so
-- the check succeeds for it exactly when the previous holder is gone), by the keep-alive
-- (conflag.expire_stalled_runs) and by conflag.reset_incremental_state. The caller holds the job's start lock
-- (pg_advisory_xact_lock(hashtext('conflag.job'), job)), so no run of the job starts or ends meanwhile.
-- retry_planned comes from the run's own retryable (whether the queue retries that attempt), so the e-mail
-- trigger sends a failure e-mail exactly when no retry follows. The committed batches stay applied; the batch in
-- progress was rolled back with the session. SECURITY DEFINER: conflag_admin (reset_incremental_state) reads
-- job_runs but may not write it; this writes only the end of a run nobody is running any more.
CREATE OR REPLACE FUNCTION conflag.interrupt_dead_run(p_job_id bigint, p_noticed_by text)
  RETURNS bigint
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
  dead conflag.job_runs%ROWTYPE;
BEGIN
  SELECT * INTO dead FROM conflag.job_runs r WHERE r.job_id = p_job_id AND r.status = 'running' FOR UPDATE;
  IF NOT FOUND OR NOT pg_try_advisory_xact_lock(conflag.run_lock_key(p_job_id)) THEN
    RETURN NULL;
  END IF;
  UPDATE conflag.job_runs
     SET status = 'interrupted',
         retry_planned = dead.retryable,
         finished_at = greatest(clock_timestamp(), started_at),
         error = format('interrupted: its database session ended without recording the end of the run (runner %s killed or crashed, '
                        'the database restarted, or the connection was lost) after %s committed batches, which stay applied; '
                        'noticed by %s%s',
                        coalesce(dead.runner, '?'), dead.batches, p_noticed_by,
                        CASE WHEN dead.retryable THEN '; the run is retried' ELSE '' END)
   WHERE id = dead.id;
  DELETE FROM conflag.run_candidates WHERE run_id = dead.id;
  DELETE FROM conflag.run_batch_xids WHERE run_id = dead.id;
  UPDATE conflag.job_incremental_state SET running_run_id = NULL, running_snapshot = NULL
   WHERE job_id = p_job_id AND running_run_id = dead.id;
  RETURN dead.id;
END;
$function$;

COMMENT ON FUNCTION conflag.interrupt_dead_run(bigint, text) IS 'Records the job''s running run as interrupted when its session is gone (nobody holds conflag.run_lock_key(job)); returns its id, or NULL when the job has no running run or it is alive. retry_planned = the run''s retryable. The caller holds the job''s start lock (hashtext(''conflag.job''), job).';
REVOKE EXECUTE ON FUNCTION conflag.interrupt_dead_run(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.interrupt_dead_run(bigint, text) TO conflag_runner, conflag_admin;
