-- Up Migration

-- A run stopped by an operator (Ctrl-C of `conflag run`) gets its own status, 'stopped', instead of 'aborted'.
-- A status rather than a column ("who stopped this aborted run") because every reader that counts failures —
-- conflag.job_status.consecutive_failures, the failure e-mail trigger, and the DBAs' own queries written as
-- status IN ('failed', 'aborted') — then stays right without a second condition: a stopped run is neither a
-- success nor a failure. 'aborted' keeps meaning a run that ended early for a reason that is a problem (its
-- execution time limit, a runner shutting down, its job deleted).
ALTER TABLE conflag.job_runs DROP CONSTRAINT job_runs_status_check;
ALTER TABLE conflag.job_runs ADD CONSTRAINT job_runs_status_check
  CHECK (status IN ('running', 'succeeded', 'failed', 'aborted', 'stopped', 'skipped'));
COMMENT ON COLUMN conflag.job_runs.status IS 'running; succeeded; failed (error says why; its last batch was rolled back); aborted (ended early: the execution time limit, a runner shutdown, its job deleted — counted as a failure); stopped (stopped by an operator, e.g. Ctrl-C of conflag run — not a failure: no failure e-mail, not in consecutive_failures); skipped (the job was already running; error names that run).';

-- Down Migration

UPDATE conflag.job_runs SET status = 'aborted' WHERE status = 'stopped';
ALTER TABLE conflag.job_runs DROP CONSTRAINT job_runs_status_check;
ALTER TABLE conflag.job_runs ADD CONSTRAINT job_runs_status_check
  CHECK (status IN ('running', 'succeeded', 'failed', 'aborted', 'skipped'));
COMMENT ON COLUMN conflag.job_runs.status IS 'running; succeeded; failed (error says why; its last batch was rolled back); aborted (stopped between batches or by the execution time limit); skipped (the job was already running; error names that run).';
