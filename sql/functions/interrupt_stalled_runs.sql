-- The keep-alive's verdicts (called by conflag.expire_stalled_runs, which terminates the sessions): for each
-- 'running' run, at most 1000 per call:
-- - its session is gone (nobody holds its conflag.run_lock_key lock: the runner was killed, the database
--   restarted, the connection dropped): recorded as 'interrupted' by conflag.interrupt_dead_run — within seconds,
--   whatever the job's keep_alive_timeout_minutes;
-- - its session is there but its runner has not written a heartbeat for the job's keep_alive_timeout_minutes:
--   recorded as 'interrupted', and returned with terminate = true so the caller ends its sessions.
-- retry_planned is the run's retryable. A run whose job was deleted meanwhile has no lock key any more; its
-- session is looked up by pid and application_name 'conflag-run:<run id>'. Rows locked by another session (a
-- batch recording its progress) and jobs whose run is starting or ending right now are skipped this time.
-- SECURITY DEFINER: the runner role may not UPDATE conflag.job_runs (migration 0010); this writes only running ->
-- interrupted. Terminating is left to the caller, as the runner's own role: a backend may be signalled by a
-- member of its role, which the owner of this function need not be.
CREATE OR REPLACE FUNCTION conflag.interrupt_stalled_runs(p_now timestamptz)
  RETURNS TABLE (run_id bigint, reason text, terminate boolean)
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
  stalled record;
  session_alive boolean;
BEGIN
  FOR stalled IN
    SELECT r.id, r.job_id, r.backend_pid, r.runner, r.retryable, r.heartbeat_at, coalesce(j.keep_alive_timeout_minutes, 15) AS minutes
      FROM conflag.job_runs r
      LEFT JOIN conflag.jobs j ON j.id = r.job_id
     WHERE r.status = 'running'
     ORDER BY r.id
     LIMIT 1000
       FOR UPDATE OF r SKIP LOCKED
  LOOP
    IF stalled.job_id IS NOT NULL THEN
      CONTINUE WHEN NOT pg_try_advisory_xact_lock(hashtext('conflag.job'), (stalled.job_id % 2147483647)::integer);
      IF conflag.interrupt_dead_run(stalled.job_id, 'the keep-alive') IS NOT NULL THEN
        run_id := stalled.id;
        reason := 'session ended';
        terminate := false;
        RETURN NEXT;
        CONTINUE;
      END IF;
      session_alive := true;
    ELSE
      session_alive := EXISTS (SELECT 1 FROM pg_stat_activity a
                                WHERE a.pid = stalled.backend_pid AND a.application_name = 'conflag-run:' || stalled.id);
    END IF;
    CONTINUE WHEN session_alive AND stalled.heartbeat_at >= p_now - make_interval(mins => stalled.minutes);
    UPDATE conflag.job_runs
       SET status = 'interrupted',
           retry_planned = stalled.retryable AND stalled.job_id IS NOT NULL,
           finished_at = greatest(p_now, started_at),
           error = CASE WHEN session_alive
                        THEN format('interrupted by the keep-alive: no heartbeat from its runner %s for %s minutes (keep_alive_timeout_minutes): '
                                    'the runner stopped responding; its session was terminated and its batch in progress rolled back; '
                                    'the %s committed batches stay applied', coalesce(stalled.runner, '?'), stalled.minutes, batches)
                        ELSE format('interrupted: its database session ended without recording the end of the run (its job was deleted '
                                    'meanwhile) after %s committed batches, which stay applied; noticed by the keep-alive', batches)
                   END
     WHERE id = stalled.id;
    DELETE FROM conflag.run_candidates c WHERE c.run_id = stalled.id;
    DELETE FROM conflag.run_batch_xids x WHERE x.run_id = stalled.id;
    UPDATE conflag.job_incremental_state SET running_run_id = NULL, running_snapshot = NULL WHERE running_run_id = stalled.id;
    run_id := stalled.id;
    reason := CASE WHEN session_alive THEN 'no heartbeat' ELSE 'session ended' END;
    terminate := session_alive;
    RETURN NEXT;
  END LOOP;
END;
$function$;

COMMENT ON FUNCTION conflag.interrupt_stalled_runs(timestamptz) IS 'Internal (keep-alive, via conflag.expire_stalled_runs): records as interrupted every running run whose session is gone or whose runner wrote no heartbeat for the job''s keep_alive_timeout_minutes; returns them, terminate = true where the caller must end the run''s sessions. At most 1000 per call.';
REVOKE EXECUTE ON FUNCTION conflag.interrupt_stalled_runs(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.interrupt_stalled_runs(timestamptz) TO conflag_runner;
