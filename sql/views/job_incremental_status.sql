-- What each incremental job remembers: how many recordings it has processed (and will never process again),
-- since when, and the snapshot its next run continues from. Jobs with no row here start with a whole-table pass.
CREATE OR REPLACE VIEW conflag.job_incremental_status AS
SELECT j.id AS job_id,
       j.name,
       j.mode,
       s.processed_count AS remembered_recordings,
       s.since AS remembering_since,
       s.last_run_id,
       s.last_snapshot_at,
       s.last_snapshot,
       s.running_run_id
  FROM conflag.job_incremental_state s
  JOIN conflag.jobs j ON j.id = s.job_id;

COMMENT ON VIEW conflag.job_incremental_status IS 'Per incremental job: remembered_recordings (processed, never processed again), remembering_since, and last_snapshot_at (start of the last successful run; the next run considers recordings added or changed after it). Reset with conflag.reset_incremental_state(job).';
GRANT SELECT ON conflag.job_incremental_status TO conflag_runner, conflag_reporting, conflag_admin;
