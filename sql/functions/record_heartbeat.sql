-- A heartbeat of a running run (src/sql/recordHeartbeat.ts): heartbeat_at = now, and nothing else. Never waits
-- for the row: when the run's own transaction is writing it right now (a batch recording its progress), the run
-- is evidently alive and that write moves heartbeat_at too. Returns 'ok', 'busy' (row locked) or 'ended' (the run
-- is not running). SECURITY DEFINER: the runner role may not UPDATE conflag.job_runs.
CREATE OR REPLACE FUNCTION conflag.record_heartbeat(p_run_id bigint)
  RETURNS text
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
  PERFORM 1 FROM conflag.job_runs WHERE id = p_run_id AND status = 'running' FOR NO KEY UPDATE SKIP LOCKED;
  IF FOUND THEN
    UPDATE conflag.job_runs SET heartbeat_at = clock_timestamp() WHERE id = p_run_id;
    RETURN 'ok';
  END IF;
  RETURN CASE WHEN EXISTS (SELECT 1 FROM conflag.job_runs WHERE id = p_run_id AND status = 'running') THEN 'busy' ELSE 'ended' END;
END;
$function$;

COMMENT ON FUNCTION conflag.record_heartbeat(bigint) IS 'Internal (runner): heartbeat_at = now for running run p_run_id, without waiting for its row; returns ok, busy (the run is writing it) or ended.';
REVOKE EXECUTE ON FUNCTION conflag.record_heartbeat(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.record_heartbeat(bigint) TO conflag_runner;
