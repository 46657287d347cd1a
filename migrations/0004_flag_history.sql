-- Up Migration

-- History as the product defines it (issue 12):
--   - keep_history_days keeps N days of SUCCESSFUL runs; failed and aborted runs are kept longer, by the system
--     setting keep_failed_runs_days (conflag.prune_history, sql/functions/);
--   - a flag history per recording, one row per flag change, written by the batch statement that makes the change
--     (src/sql/applyBatch.ts), self-contained so it answers "why is this call confidential?" after the run row is
--     pruned, with its own retention setting keep_flag_history_days;
--   - per-job totals of what pruning removed, so "recordings changed in total" stays exact (conflag.job_report).

ALTER TABLE conflag.settings
  ADD COLUMN keep_failed_runs_days integer NOT NULL DEFAULT 180
    CONSTRAINT settings_keep_failed_runs_days_check CHECK (keep_failed_runs_days BETWEEN 1 AND 36500),
  ADD COLUMN keep_flag_history_days integer NOT NULL DEFAULT 365
    CONSTRAINT settings_keep_flag_history_days_check CHECK (keep_flag_history_days BETWEEN 1 AND 36500);
COMMENT ON COLUMN conflag.settings.keep_failed_runs_days IS 'Days to keep failed and aborted runs, 1 to 36500 (default 180); a job whose keep_history_days is longer keeps them that long. Successful, stopped and skipped runs follow the job''s keep_history_days.';
COMMENT ON COLUMN conflag.settings.keep_flag_history_days IS 'Days to keep conflag.flag_history rows, 1 to 36500 (default 365). Each recording''s newest row is kept regardless, so every flag conflag set or cleared keeps its answer.';

-- No foreign keys on purpose: a row stays a complete answer after its run is pruned and its job deleted (job_name
-- is copied), the table is append-only (no ON DELETE SET NULL rewriting it), and the batch statement that writes
-- it pays no per-row referential check. No id column: rows are found by recording, or by time. A recording is its
-- key as a JSON array ([42] for conflag.recordings), like everywhere else (conflag.recording_key_sql).
CREATE TABLE conflag.flag_history (
  recording_key    jsonb NOT NULL,
  tenant_id        text NOT NULL,
  changed_at       timestamptz NOT NULL,
  old_confidential boolean NOT NULL,
  new_confidential boolean NOT NULL,
  run_id           bigint NOT NULL,
  job_id           bigint,
  job_name         text NOT NULL
);
-- A recording's history in order (the recording page, "why?", and the retention rule "keep each recording's newest").
CREATE INDEX flag_history_recording_idx ON conflag.flag_history (recording_key, changed_at);
-- Retention and a run's changes by time: rows arrive in time order, so a BRIN index stays tiny and cheap to keep.
CREATE INDEX flag_history_changed_at_idx ON conflag.flag_history USING brin (changed_at);

COMMENT ON TABLE conflag.flag_history IS 'Every change conflag made to a recording''s confidential flag (in the table of conflag.recording_source): one row per change, written in the same statement as the change, never updated. Answers "why is this call confidential?" (docs/reporting.md). Pruned after conflag.settings.keep_flag_history_days, always keeping each recording''s newest row.';
COMMENT ON COLUMN conflag.flag_history.recording_key IS 'The recording: its key as a JSON array of its key columns'' values ([42] for conflag.recordings; conflag.recording_source).';
COMMENT ON COLUMN conflag.flag_history.tenant_id IS 'The recording''s tenant when the flag changed.';
COMMENT ON COLUMN conflag.flag_history.changed_at IS 'When the flag changed: the start of the batch''s transaction (= recordings.confidential_changed_at).';
COMMENT ON COLUMN conflag.flag_history.old_confidential IS 'The flag before the change.';
COMMENT ON COLUMN conflag.flag_history.new_confidential IS 'The flag after the change: true = the job''s action was set, false = clear.';
COMMENT ON COLUMN conflag.flag_history.run_id IS 'The run that changed it (conflag.job_runs.id). The run row is pruned after its job''s keep_history_days; this row does not need it.';
COMMENT ON COLUMN conflag.flag_history.job_id IS 'The job of that run (conflag.jobs.id); the job may since have been deleted.';
COMMENT ON COLUMN conflag.flag_history.job_name IS 'The job''s name when the run started (kept after the job is renamed or deleted).';

-- The runner writes rows (in the batch statement) and never changes or deletes them: pruning is
-- conflag.prune_flag_history, SECURITY DEFINER. Reporting and admins read.
GRANT SELECT, INSERT ON conflag.flag_history TO conflag_runner;
GRANT SELECT ON conflag.flag_history TO conflag_reporting, conflag_admin;

CREATE TABLE conflag.job_pruned_totals (
  job_id  bigint PRIMARY KEY REFERENCES conflag.jobs (id) ON DELETE CASCADE,
  runs    bigint NOT NULL DEFAULT 0,
  changed bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE conflag.job_pruned_totals IS 'Per job, what conflag.prune_history deleted: added to the runs still in conflag.job_runs, it gives lifetime totals (conflag.job_report). Written by prune_history only.';
COMMENT ON COLUMN conflag.job_pruned_totals.job_id IS 'The job (conflag.jobs.id); deleted with it.';
COMMENT ON COLUMN conflag.job_pruned_totals.runs IS 'Runs of the job pruned so far.';
COMMENT ON COLUMN conflag.job_pruned_totals.changed IS 'Sum of job_runs.changed over those runs: recordings whose flag they changed.';
GRANT SELECT, INSERT, UPDATE ON conflag.job_pruned_totals TO conflag_runner;
GRANT SELECT ON conflag.job_pruned_totals TO conflag_reporting, conflag_admin;

-- Recordings flagged before this migration: their last change, from confidential_changed_by_run, where that run
-- still exists (the earlier changes were never recorded; a pruned run's answer was already lost). Only for
-- conflag.recordings as the source: a table of the platform's own may have no such column.
INSERT INTO conflag.flag_history (recording_key, tenant_id, changed_at, old_confidential, new_confidential, run_id, job_id, job_name)
SELECT jsonb_build_array(r.id), r.tenant_id, coalesce(r.confidential_changed_at, run.started_at), run.action <> 'set', run.action = 'set',
       run.id, run.job_id, run.job_name
  FROM conflag.recordings r
  JOIN conflag.job_runs run ON run.id = r.confidential_changed_by_run
 WHERE EXISTS (SELECT 1 FROM conflag.recording_source s WHERE s.table_schema = 'conflag' AND s.table_name = 'recordings');

-- Down Migration

-- CASCADE: conflag's views that read these (sql/views/) go too; `migrate` creates them again on the way up.
DROP TABLE conflag.job_pruned_totals CASCADE;
DROP TABLE conflag.flag_history CASCADE;
ALTER TABLE conflag.settings DROP COLUMN keep_flag_history_days CASCADE, DROP COLUMN keep_failed_runs_days CASCADE;
