-- Keep-alive, called by every runner every few seconds (CONFLAG_KEEPALIVE_CHECK_SECONDS). For each 'running' run:
-- - its session is gone (nobody holds its conflag.run_lock_key lock: the runner was killed, the database
--   restarted, the connection dropped): recorded as 'interrupted' by conflag.interrupt_dead_run — within seconds,
--   whatever the job's keep_alive_timeout_minutes;
-- - its session is there but its runner has not written a heartbeat for the job's keep_alive_timeout_minutes (the
--   runner writes one every 10 seconds, also while a long batch runs): the runner stopped responding (frozen,
--   paused, cut off), so the run is recorded as 'interrupted' and its session terminated, which rolls back its
--   batch and frees the job. This is the job's keep-alive: it never ends a run that is merely busy.
-- retry_planned is the run's retryable (the runner retries the attempt when the queue has retries left). A run
-- whose job was deleted meanwhile has no lock key any more; its session is looked up by pid and application_name.
-- The run's sessions are matched by application_name 'conflag-run:<run id>' (its own, and the extra connections
-- it works batches on), so a recycled pid of an unrelated backend is never terminated. Rows locked by another session (a batch recording its progress) and jobs whose
-- run is starting or ending right now are skipped this time.
CREATE OR REPLACE FUNCTION conflag.expire_stalled_runs(p_now timestamptz DEFAULT now())
  RETURNS TABLE (run_id bigint, reason text)
  LANGUAGE plpgsql
AS $function$
DECLARE
  verdict record;
BEGIN
  -- The verdicts are conflag.interrupt_stalled_runs' (SECURITY DEFINER); the sessions are terminated here, as the
  -- caller (the runner's role, whose members may signal its backends).
  FOR verdict IN SELECT * FROM conflag.interrupt_stalled_runs(p_now) LOOP
    IF verdict.terminate THEN
      BEGIN
        PERFORM pg_terminate_backend(a.pid)
           FROM pg_stat_activity a
          WHERE a.datname = current_database()
            AND a.application_name = 'conflag-run:' || verdict.run_id;
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE WARNING 'conflag: run % was interrupted by the keep-alive, but its session could not be terminated: %',
          verdict.run_id, SQLERRM
          USING HINT = 'Run conflag as the same role as the runner, or GRANT pg_signal_backend to it.';
      END;
    END IF;
    run_id := verdict.run_id;
    reason := verdict.reason;
    RETURN NEXT;
  END LOOP;
END;
$function$;

COMMENT ON FUNCTION conflag.expire_stalled_runs(timestamptz) IS 'Keep-alive: records as interrupted every running run whose session is gone (reason ''session ended'': nobody holds its conflag.run_lock_key lock), and every run whose runner wrote no heartbeat for the job''s keep_alive_timeout_minutes (reason ''no heartbeat''; its sessions, matched by application_name conflag-run:<id>, are terminated). retry_planned = the run''s retryable. Returns the runs it interrupted; at most 1000 per call.';
REVOKE EXECUTE ON FUNCTION conflag.expire_stalled_runs(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.expire_stalled_runs(timestamptz) TO conflag_runner;
