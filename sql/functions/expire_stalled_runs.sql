-- Keep-alive: a run that has shown no progress (heartbeat_at) for its job's keep_alive_timeout_minutes is marked
-- failed, so the job can run again, and its database session is terminated if it is still there (blocked on a
-- lock, or left behind by a killed runner). The session is matched by pid AND application_name
-- 'conflag-run:<run id>' (set by every run), so a recycled pid of an unrelated backend is never terminated.
-- Rows another session holds locked (a batch committing its progress right now) are skipped: that run is alive.
CREATE OR REPLACE FUNCTION conflag.expire_stalled_runs(p_now timestamptz DEFAULT now())
  RETURNS SETOF bigint
  LANGUAGE plpgsql
AS $function$
DECLARE
  stalled record;
BEGIN
  FOR stalled IN
    SELECT r.id, r.backend_pid, coalesce(j.keep_alive_timeout_minutes, 15) AS minutes
      FROM conflag.job_runs r
      LEFT JOIN conflag.jobs j ON j.id = r.job_id
     WHERE r.status = 'running'
       AND r.heartbeat_at < p_now - make_interval(mins => coalesce(j.keep_alive_timeout_minutes, 15))
     ORDER BY r.id
     LIMIT 1000
       FOR UPDATE OF r SKIP LOCKED
  LOOP
    UPDATE conflag.job_runs
       SET status = 'failed',
           finished_at = greatest(p_now, started_at),
           error = format('no progress for %s minutes (keep-alive timeout)', stalled.minutes)
     WHERE id = stalled.id;
    IF stalled.backend_pid IS NOT NULL THEN
      BEGIN
        PERFORM pg_terminate_backend(a.pid)
           FROM pg_stat_activity a
          WHERE a.pid = stalled.backend_pid
            AND a.datname = current_database()
            AND a.application_name = 'conflag-run:' || stalled.id;
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE WARNING 'conflag: run % was marked failed, but its session (pid %) could not be terminated: %',
          stalled.id, stalled.backend_pid, SQLERRM
          USING HINT = 'Run conflag as the same role as the runner, or GRANT pg_signal_backend to it.';
      END;
    END IF;
    RETURN NEXT stalled.id;
  END LOOP;
END;
$function$;

COMMENT ON FUNCTION conflag.expire_stalled_runs(timestamptz) IS 'Keep-alive: marks runs with no progress for their job''s keep_alive_timeout_minutes as failed ("no progress for N minutes (keep-alive timeout)") and terminates their session (matched by pid and application_name conflag-run:<id>). Returns the ids of the runs it expired; at most 1000 per call.';
REVOKE EXECUTE ON FUNCTION conflag.expire_stalled_runs(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.expire_stalled_runs(timestamptz) TO conflag_runner;
