-- Up Migration

-- Issue 10: a run's liveness is its database session. While a run is in progress its session holds a
-- session-level advisory lock (conflag.run_lock_key(job)); whoever finds the job's 'running' row with that lock
-- free knows the run's runner or session went away, records it as 'interrupted' and carries on. These are the
-- columns that needs; the routines are in sql/ (interrupt_dead_run, expire_stalled_runs, run_lock_key).

-- A run that stopped without finishing because its runner or database session went away.
ALTER TABLE conflag.job_runs DROP CONSTRAINT job_runs_status_check;
ALTER TABLE conflag.job_runs ADD CONSTRAINT job_runs_status_check
  CHECK (status IN ('running', 'succeeded', 'failed', 'aborted', 'stopped', 'skipped', 'interrupted'));
ALTER TABLE conflag.job_runs DROP CONSTRAINT job_runs_retry_planned_check;
ALTER TABLE conflag.job_runs ADD CONSTRAINT job_runs_retry_planned_check
  CHECK (NOT retry_planned OR status IN ('failed', 'aborted', 'interrupted'));

-- Which queued run (tick or request) an attempt answers, so a retry knows its own earlier attempt, and the
-- keep-alive can hand an interrupted attempt back to the queue at once.
ALTER TABLE conflag.job_runs ADD COLUMN queue_job_id uuid;
-- Known when the attempt starts (the queue's retries left), so whoever later records the attempt as
-- interrupted (another runner's keep-alive, the next run) sets retry_planned the way the runner would have.
ALTER TABLE conflag.job_runs ADD COLUMN retryable boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN conflag.job_runs.status IS 'running; succeeded; failed (error says why; its last batch was rolled back); aborted (ended early: the execution time limit, a runner shutdown, its job deleted — counted as a failure); stopped (stopped by an operator, e.g. Ctrl-C of conflag run — not a failure: no failure e-mail, not in consecutive_failures); interrupted (its runner or database session went away: killed, crashed, restarted, disconnected, or stopped responding for keep_alive_timeout_minutes; error says which and who noticed; retried); skipped (the job was already running; error names that run).';
COMMENT ON COLUMN conflag.job_runs.heartbeat_at IS 'Last sign of life from the run''s runner: written every 10 seconds while the run is in progress (also during a long batch) and after each committed batch. conflag.expire_stalled_runs() interrupts a run whose heartbeat is older than the job''s keep_alive_timeout_minutes and terminates its session.';
COMMENT ON COLUMN conflag.job_runs.retry_planned IS 'true when the run failed, was interrupted, or was aborted by a runner shutdown, and the runner will retry it: a later attempt answers the same tick or request, and only that one may send a failure e-mail. false for every other run, including the last attempt.';
COMMENT ON COLUMN conflag.job_runs.queue_job_id IS 'The queued run this attempt answers (conflag_boss.job.id, queue conflag-run); attempt - 1 is its retry count there. NULL for runs of `conflag run`.';
COMMENT ON COLUMN conflag.job_runs.retryable IS 'Whether the runner retries this attempt should it fail or be interrupted (the queue had retries left when it started). Whoever records the attempt as interrupted copies it into retry_planned.';
COMMENT ON COLUMN conflag.job_runs.request_id IS 'The first manual run request (conflag.run_requests.id) this run answers, if any; a run answers every request of its job picked up before it started (their run_id points here).';
COMMENT ON COLUMN conflag.run_requests.run_id IS 'The run that answered the request (job_runs.id): the run of the job that started after the request was picked up; several requests waiting together share one run. Moves on to the retry when that run fails or is interrupted and is retried.';

-- A run may last at most 1435 minutes (sql/functions/jobs_validate_time_limit.sql): the run queue holds a run for
-- at most 24 hours, and the last 5 minutes are the run's to record its end. Jobs written before this check with a
-- longer limit would be cut silently, so the upgrade refuses and names them.
DO $$
DECLARE
  too_long text;
BEGIN
  SELECT string_agg(format('%s (%s, %s minutes)', id, to_jsonb(name), execution_time_limit_minutes), ', ' ORDER BY id)
    INTO too_long
    FROM conflag.jobs
   WHERE execution_time_limit_minutes > 1435;
  IF too_long IS NOT NULL THEN
    RAISE EXCEPTION 'migration 0007_run_liveness: jobs % have an execution_time_limit_minutes above 1435, the longest a run can last (the run queue holds a run for at most 24 hours)', too_long
      USING ERRCODE = 'CF015',
            HINT = 'Lower them first, e.g. UPDATE conflag.jobs SET execution_time_limit_minutes = 1435 WHERE execution_time_limit_minutes > 1435; then migrate again.';
  END IF;
END
$$;

-- Down Migration

UPDATE conflag.job_runs SET status = 'failed' WHERE status = 'interrupted';
ALTER TABLE conflag.job_runs DROP COLUMN retryable;
ALTER TABLE conflag.job_runs DROP COLUMN queue_job_id;
ALTER TABLE conflag.job_runs DROP CONSTRAINT job_runs_retry_planned_check;
ALTER TABLE conflag.job_runs ADD CONSTRAINT job_runs_retry_planned_check CHECK (NOT retry_planned OR status IN ('failed', 'aborted'));
ALTER TABLE conflag.job_runs DROP CONSTRAINT job_runs_status_check;
ALTER TABLE conflag.job_runs ADD CONSTRAINT job_runs_status_check
  CHECK (status IN ('running', 'succeeded', 'failed', 'aborted', 'stopped', 'skipped'));
COMMENT ON COLUMN conflag.job_runs.status IS 'running; succeeded; failed (error says why; its last batch was rolled back); aborted (ended early: the execution time limit, a runner shutdown, its job deleted — counted as a failure); stopped (stopped by an operator, e.g. Ctrl-C of conflag run — not a failure: no failure e-mail, not in consecutive_failures); skipped (the job was already running; error names that run).';
COMMENT ON COLUMN conflag.job_runs.heartbeat_at IS 'Last sign of progress (start, then after each committed batch). conflag.expire_stalled_runs() fails runs whose heartbeat is older than the job''s keep_alive_timeout_minutes.';
COMMENT ON COLUMN conflag.job_runs.retry_planned IS 'true when the run failed (or was aborted by a runner shutdown) and the runner will retry it — a later attempt answers the same tick/request, and only that one may send a failure e-mail. false for every other run, including the last attempt.';
COMMENT ON COLUMN conflag.job_runs.request_id IS 'The manual run request (conflag.run_requests.id) this run answers, if any.';
COMMENT ON COLUMN conflag.run_requests.run_id IS 'The run started for the request (job_runs.id).';
