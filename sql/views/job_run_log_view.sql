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
GRANT SELECT ON conflag.job_run_log_view TO conflag_runner, conflag_reporting, conflag_admin;
