-- Per day, job and tenant: how many runs there were and how many recordings were flagged and cleared. The day is
-- the calendar day in the session's TimeZone (SET TimeZone = 'Europe/Berlin' to count Berlin days). Runs come from
-- conflag.job_runs (so they go with keep_history_days), flag changes from conflag.flag_history (kept
-- keep_flag_history_days). A run counts for every tenant it covered: its access_scope at the time, or every tenant
-- for a NULL scope. job_id is NULL once the job is deleted, as in job_runs; job_name is the name the runs had.
-- Reads the whole history; filter by day (pushed below the grouping) and job for a report.
CREATE OR REPLACE VIEW conflag.job_daily_activity AS
SELECT a.day,
       a.job_id,
       a.job_name,
       a.tenant_id,
       sum(a.runs)::bigint AS runs,
       sum(a.succeeded)::bigint AS succeeded,
       sum(a.failed)::bigint AS failed,
       sum(a.flagged)::bigint AS flagged,
       sum(a.cleared)::bigint AS cleared
  FROM (
    SELECT r.started_at::date AS day, r.job_id, r.job_name, t.id AS tenant_id,
           count(*) FILTER (WHERE r.status <> 'skipped') AS runs,
           count(*) FILTER (WHERE r.status = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE r.status IN ('failed', 'aborted')) AS failed,
           0 AS flagged, 0 AS cleared
      FROM conflag.job_runs r
      JOIN conflag.tenants t ON r.access_scope IS NULL OR t.id = ANY (r.access_scope)
     GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT h.changed_at::date, j.id, h.job_name, h.tenant_id, 0, 0, 0,
           count(*) FILTER (WHERE h.new_confidential),
           count(*) FILTER (WHERE NOT h.new_confidential)
      FROM conflag.flag_history h
      LEFT JOIN conflag.jobs j ON j.id = h.job_id
     GROUP BY 1, 2, 3, 4
  ) a
 GROUP BY a.day, a.job_id, a.job_name, a.tenant_id;

COMMENT ON VIEW conflag.job_daily_activity IS 'Per day (in the session''s TimeZone), job and tenant: runs (succeeded, failed or aborted; skipped ones not counted), and recordings flagged and cleared. See docs/reporting.md.';
COMMENT ON COLUMN conflag.job_daily_activity.day IS 'Calendar day in the session''s TimeZone: of the run''s start, or of the flag change.';
COMMENT ON COLUMN conflag.job_daily_activity.job_id IS 'The job; NULL once it has been deleted.';
COMMENT ON COLUMN conflag.job_daily_activity.job_name IS 'The job''s name when its runs started (a job renamed that day has a row per name).';
COMMENT ON COLUMN conflag.job_daily_activity.tenant_id IS 'The tenant: one the runs covered (their access_scope; NULL scope = every tenant), or whose recordings changed.';
COMMENT ON COLUMN conflag.job_daily_activity.runs IS 'Runs that started that day and covered the tenant (succeeded, failed or aborted; skipped ones not counted).';
COMMENT ON COLUMN conflag.job_daily_activity.succeeded IS 'Of those, runs that succeeded.';
COMMENT ON COLUMN conflag.job_daily_activity.failed IS 'Of those, runs that failed or were aborted.';
COMMENT ON COLUMN conflag.job_daily_activity.flagged IS 'Recordings of the tenant the job set confidential that day (conflag.flag_history).';
COMMENT ON COLUMN conflag.job_daily_activity.cleared IS 'Recordings of the tenant whose confidential flag the job cleared that day.';
GRANT SELECT ON conflag.job_daily_activity TO conflag_runner, conflag_reporting, conflag_admin;
