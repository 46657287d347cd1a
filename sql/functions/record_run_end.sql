-- The end of a run (src/sql/markRunFinished.ts, under the job's start lock): running -> one final status, once.
-- Only while the run is still 'running' — the keep-alive or the next run may have recorded it as interrupted
-- first, and that verdict stands (returns false then). 'running' and 'skipped' are not an end (CF305). Settles the
-- incremental state (a successful run's starting snapshot becomes the job's last_snapshot, with p_fingerprint;
-- otherwise the previous one stays) and drops the run's candidate and batch-transaction lists. retry_planned is
-- set by the same UPDATE as the status: the e-mail trigger (conflag.job_runs_queue_email) fires on it and must see
-- both. SECURITY DEFINER: the runner role may not UPDATE conflag.job_runs.
CREATE OR REPLACE FUNCTION conflag.record_run_end(
  p_run_id bigint, p_status text, p_error text, p_fingerprint text DEFAULT NULL, p_retry_planned boolean DEFAULT false)
  RETURNS boolean
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
  run conflag.job_runs%ROWTYPE;
BEGIN
  IF p_status IS NULL OR p_status NOT IN ('succeeded', 'failed', 'aborted', 'stopped', 'interrupted') THEN
    RAISE EXCEPTION 'record_run_end: "%" is not how a run ends', coalesce(p_status, 'NULL')
      USING ERRCODE = 'CF305', HINT = 'A run ends as succeeded, failed, aborted, stopped or interrupted, once.';
  END IF;
  UPDATE conflag.job_runs
     SET status = p_status, error = p_error,
         retry_planned = coalesce(p_retry_planned, false) AND p_status IN ('failed', 'aborted', 'interrupted'),
         finished_at = greatest(clock_timestamp(), started_at), heartbeat_at = clock_timestamp()
   WHERE id = p_run_id AND status = 'running'
  RETURNING * INTO run;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  IF p_status = 'succeeded' THEN
    UPDATE conflag.job_incremental_state s
       SET last_snapshot = s.running_snapshot, last_snapshot_at = run.started_at, last_run_id = run.id,
           fingerprint = p_fingerprint, running_run_id = NULL, running_snapshot = NULL
     WHERE s.job_id = run.job_id AND s.running_run_id = run.id;
  ELSE
    UPDATE conflag.job_incremental_state SET running_run_id = NULL, running_snapshot = NULL
     WHERE job_id = run.job_id AND running_run_id = run.id;
  END IF;
  DELETE FROM conflag.run_candidates WHERE run_id = run.id;
  DELETE FROM conflag.run_batch_xids WHERE run_id = run.id;
  RETURN true;
END;
$function$;

COMMENT ON FUNCTION conflag.record_run_end(bigint, text, text, text, boolean) IS 'Internal (runner): ends running run p_run_id with a final status (succeeded, failed, aborted, stopped, interrupted; else CF305), once: returns false when it was no longer running. Settles the job''s incremental state and drops the run''s candidate and batch-transaction lists.';
REVOKE EXECUTE ON FUNCTION conflag.record_run_end(bigint, text, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.record_run_end(bigint, text, text, text, boolean) TO conflag_runner;
