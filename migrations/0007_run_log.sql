-- Up Migration

-- The detailed run log: what a run of a job with log_enabled = true did, step by step, readable in SQL wherever
-- the run happened (runner service or `conflag run`). Written by src/run/executeRun.ts through
-- src/sql/insertRunLog.ts; see docs/reporting.md "Detailed run log". The current text of the view is in
-- sql/job_run_log_view.sql.

-- One row per entry. A batch's entry is written in the batch's own transaction, so a batch that rolled back
-- leaves no entry claiming work it did not do; its failure is logged after the rollback (batch_rolled_back).
-- Deleted with its run (ON DELETE CASCADE), so conflag.prune_history() keeps the log as long as the history.
CREATE TABLE conflag.job_run_log (
  id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id  bigint NOT NULL REFERENCES conflag.job_runs (id) ON DELETE CASCADE,
  at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  level   text NOT NULL DEFAULT 'info' CHECK (level IN ('info', 'warn', 'error')),
  event   text NOT NULL CHECK (event IN ('run_started', 'scan_planned', 'batch', 'batch_rolled_back', 'run_finished', 'run_skipped')),
  message text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
-- A run's entries in order (and the index the ON DELETE CASCADE of a pruned run uses).
CREATE INDEX job_run_log_run_id_idx ON conflag.job_run_log (run_id, id);

COMMENT ON TABLE conflag.job_run_log IS 'Detailed log of runs of jobs with log_enabled = true: the settings and compiled SQL a run applied, its scan plan, every committed batch, a rolled-back batch, and how it ended. Written by the runner; deleted with its run (conflag.prune_history). Read it ordered by id, or through conflag.job_run_log_view.';
COMMENT ON COLUMN conflag.job_run_log.id IS 'Entry id: increases in the order the entries were written (order a run''s entries by it).';
COMMENT ON COLUMN conflag.job_run_log.run_id IS 'The run (conflag.job_runs.id); the entry is deleted with it.';
COMMENT ON COLUMN conflag.job_run_log.at IS 'When the entry was written (clock time, not the transaction''s start).';
COMMENT ON COLUMN conflag.job_run_log.level IS 'info; warn (the run was aborted or skipped); error (the run failed).';
COMMENT ON COLUMN conflag.job_run_log.event IS 'run_started (settings, compiled predicate and parameters), scan_planned (id range, table or change-log scan and why), batch (one committed batch: ids, matched, changed, skipped, duration), batch_rolled_back (the batch in progress when the run failed or was stopped), run_finished (status, totals, error and SQLSTATE), run_skipped (the job was already running).';
COMMENT ON COLUMN conflag.job_run_log.message IS 'The entry in one human-readable line.';
COMMENT ON COLUMN conflag.job_run_log.details IS 'The entry''s facts as JSON (keys per event: docs/reporting.md "Detailed run log").';

-- For reading: each entry with its run's job and status, and the time since the run started.
CREATE OR REPLACE VIEW conflag.job_run_log_view AS
SELECT l.id,
       l.run_id,
       r.job_id,
       r.job_name,
       r.status AS run_status,
       l.at,
       l.at - r.started_at AS elapsed,
       l.level,
       l.event,
       l.message,
       l.details
  FROM conflag.job_run_log l
  JOIN conflag.job_runs r ON r.id = l.run_id;

COMMENT ON VIEW conflag.job_run_log_view IS 'conflag.job_run_log with each entry''s job (job_id, job_name at the run''s start), the run''s current status and elapsed (time since the run started). Order by id.';

-- The runner writes entries (and never changes or deletes them: pruning deletes them with their run);
-- reporting and admins read.
GRANT SELECT, INSERT ON conflag.job_run_log TO conflag_runner;
GRANT SELECT ON conflag.job_run_log_view TO conflag_runner;
GRANT SELECT ON conflag.job_run_log, conflag.job_run_log_view TO conflag_reporting, conflag_admin;

-- Down Migration

DROP VIEW conflag.job_run_log_view;
DROP TABLE conflag.job_run_log;
