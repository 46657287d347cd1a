-- A committed batch's counts, added to its run in the batch's own transaction (src/sql/recordBatchProgress.ts):
-- counts only grow (a negative count is refused, CF305), and only a running run counts. Returns 'ok',
-- 'not-running' (the keep-alive or a takeover ended the run meanwhile: the caller rolls the batch back and stops)
-- or 'job-deleted' (job_id became NULL). An incremental run also adds the recordings it newly remembered to its
-- job's processed_count. SECURITY DEFINER: the runner role may not UPDATE conflag.job_runs.
CREATE OR REPLACE FUNCTION conflag.record_batch_progress(
  p_run_id bigint, p_matched bigint, p_changed bigint, p_skipped bigint, p_units bigint, p_flip_flops bigint DEFAULT 0,
  p_remembered bigint DEFAULT 0)
  RETURNS text
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
  job bigint;
BEGIN
  IF least(p_matched, p_changed, p_skipped, p_units, p_flip_flops, p_remembered) < 0 THEN
    RAISE EXCEPTION 'record_batch_progress: run % got negative counts (matched %, changed %, skipped %, units %, remembered %)',
      p_run_id, p_matched, p_changed, p_skipped, p_units, p_remembered
      USING ERRCODE = 'CF305', HINT = 'A run''s counts only grow: give what one committed batch added.';
  END IF;
  UPDATE conflag.job_runs
     SET batches = batches + 1, matched = matched + p_matched, changed = changed + p_changed, skipped = skipped + p_skipped,
         scanned_units = scanned_units + p_units, flip_flops = flip_flops + p_flip_flops, heartbeat_at = clock_timestamp()
   WHERE id = p_run_id AND status = 'running'
  RETURNING job_id INTO job;
  IF NOT FOUND THEN
    RETURN 'not-running';
  ELSIF job IS NULL THEN
    RETURN 'job-deleted';
  END IF;
  IF p_remembered > 0 THEN
    UPDATE conflag.job_incremental_state SET processed_count = processed_count + p_remembered WHERE job_id = job;
  END IF;
  RETURN 'ok';
END;
$function$;

COMMENT ON FUNCTION conflag.record_batch_progress(bigint, bigint, bigint, bigint, bigint, bigint, bigint) IS 'Internal (runner): adds one committed batch''s counts to running run p_run_id (and p_remembered to its job''s processed_count); returns ok, not-running or job-deleted. Counts only grow: negative ones are refused (CF305).';
REVOKE EXECUTE ON FUNCTION conflag.record_batch_progress(bigint, bigint, bigint, bigint, bigint, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.record_batch_progress(bigint, bigint, bigint, bigint, bigint, bigint, bigint) TO conflag_runner;
