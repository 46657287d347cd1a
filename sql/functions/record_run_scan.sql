-- What a running run goes through, recorded once when it has planned its scan (src/sql/prepareScan.ts): scan
-- ('table' or 'changes'), candidates and scan_units. A run that is no longer running, or that recorded its scan
-- already, is refused (CF305): a run's plan is not rewritten afterwards. SECURITY DEFINER: the runner role may not
-- UPDATE conflag.job_runs.
CREATE OR REPLACE FUNCTION conflag.record_run_scan(p_run_id bigint, p_scan text, p_candidates bigint, p_units bigint)
  RETURNS void
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
  UPDATE conflag.job_runs
     SET scan = p_scan, candidates = p_candidates, scan_units = p_units, heartbeat_at = clock_timestamp()
   WHERE id = p_run_id AND status = 'running' AND scan IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'record_run_scan: run % is not running or has recorded its scan already', p_run_id
      USING ERRCODE = 'CF305', HINT = 'A run records its scan once, right after it started.';
  END IF;
END;
$function$;

COMMENT ON FUNCTION conflag.record_run_scan(bigint, text, bigint, bigint) IS 'Internal (runner): records once what running run p_run_id goes through (scan, candidates, scan_units); CF305 for a run not running or with a scan recorded.';
REVOKE EXECUTE ON FUNCTION conflag.record_run_scan(bigint, text, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.record_run_scan(bigint, text, bigint, bigint) TO conflag_runner;
