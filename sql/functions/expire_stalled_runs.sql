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
    IF session_alive THEN
      BEGIN
        PERFORM pg_terminate_backend(a.pid)
           FROM pg_stat_activity a
          WHERE a.datname = current_database()
            AND a.application_name = 'conflag-run:' || stalled.id;
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE WARNING 'conflag: run % was interrupted by the keep-alive, but its session (pid %) could not be terminated: %',
          stalled.id, stalled.backend_pid, SQLERRM
          USING HINT = 'Run conflag as the same role as the runner, or GRANT pg_signal_backend to it.';
      END;
    END IF;
    run_id := stalled.id;
    reason := CASE WHEN session_alive THEN 'no heartbeat' ELSE 'session ended' END;
    RETURN NEXT;
  END LOOP;
END;
$function$;

COMMENT ON FUNCTION conflag.expire_stalled_runs(timestamptz) IS 'Keep-alive: records as interrupted every running run whose session is gone (reason ''session ended'': nobody holds its conflag.run_lock_key lock), and every run whose runner wrote no heartbeat for the job''s keep_alive_timeout_minutes (reason ''no heartbeat''; its sessions, matched by application_name conflag-run:<id>, are terminated). retry_planned = the run''s retryable. Returns the runs it interrupted; at most 1000 per call.';
REVOKE EXECUTE ON FUNCTION conflag.expire_stalled_runs(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.expire_stalled_runs(timestamptz) TO conflag_runner;
