-- Up Migration

-- Issue 14: a run that asked for more connections than were free in its runner's pool (a job's parallelism above the
-- runner's CONFLAG_RUN_PARALLELISM) works on fewer. Until now only the service log said so; the run's own log now
-- has an entry too, where whoever reads the run looks. The check is widened, NOT VALID then VALIDATE: existing rows
-- all pass, and validating takes a lock that lets runners go on writing entries.
ALTER TABLE conflag.job_run_log DROP CONSTRAINT job_run_log_event_check;
ALTER TABLE conflag.job_run_log ADD CONSTRAINT job_run_log_event_check
  CHECK (event IN ('run_started', 'scan_planned', 'fewer_connections', 'batch', 'batch_rolled_back', 'run_finished', 'run_skipped')) NOT VALID;
ALTER TABLE conflag.job_run_log VALIDATE CONSTRAINT job_run_log_event_check;

COMMENT ON COLUMN conflag.job_run_log.event IS 'run_started (settings, compiled predicate and parameters), scan_planned (id range, table or change-log scan and why), fewer_connections (the run works on fewer connections than its parallelism: no more were free in the runner''s pool), batch (one committed batch: ids, matched, changed, skipped, duration), batch_rolled_back (the batch in progress when the run failed or was stopped), run_finished (status, totals, error and SQLSTATE), run_skipped (the job was already running).';
COMMENT ON COLUMN conflag.job_run_log.level IS 'info; warn (the run was aborted or skipped, worked on fewer connections than its parallelism, or succeeded with flip-flops: it changed back recordings of a job of the opposite action); error (the run failed).';

-- Down Migration

DELETE FROM conflag.job_run_log WHERE event = 'fewer_connections';
ALTER TABLE conflag.job_run_log DROP CONSTRAINT job_run_log_event_check;
ALTER TABLE conflag.job_run_log ADD CONSTRAINT job_run_log_event_check
  CHECK (event IN ('run_started', 'scan_planned', 'batch', 'batch_rolled_back', 'run_finished', 'run_skipped'));
COMMENT ON COLUMN conflag.job_run_log.event IS 'run_started (settings, compiled predicate and parameters), scan_planned (id range, table or change-log scan and why), batch (one committed batch: ids, matched, changed, skipped, duration), batch_rolled_back (the batch in progress when the run failed or was stopped), run_finished (status, totals, error and SQLSTATE), run_skipped (the job was already running).';
COMMENT ON COLUMN conflag.job_run_log.level IS 'info; warn (the run was aborted or skipped, or succeeded with flip-flops: it changed back recordings of a job of the opposite action); error (the run failed).';
