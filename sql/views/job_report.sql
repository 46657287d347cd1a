-- Per job, the questions operators ask first: when did it last run, succeed and fail, how many failures in a row,
-- when does it run next, and how many recordings has it changed in total. Built on conflag.job_status (the last
-- run, last success and consecutive failures are defined there once). Totals are lifetime: the runs still in
-- conflag.job_runs plus what prune_history removed (conflag.job_pruned_totals). next_run_at is the runners' next
-- tick (conflag.job_schedules) for the job's current schedule and time zone: NULL for manual or disabled jobs,
-- jobs no runner has scheduled yet, and jobs that cannot be scheduled (a crontab that never fires).
CREATE OR REPLACE VIEW conflag.job_report AS
SELECT s.job_id,
       s.name,
       s.enabled,
       s.schedule,
       tz.timezone,
       sch.next_tick_at AS next_run_at,
       s.running_run_id,
       s.running_since,
       s.last_run_id,
       s.last_status,
       s.last_finished_at,
       s.last_changed,
       s.last_error,
       s.last_success_run_id,
       s.last_success_at,
       f.id AS last_failure_run_id,
       f.status AS last_failure_status,
       f.finished_at AS last_failure_at,
       f.error AS last_failure_error,
       s.consecutive_failures,
       (kept.runs + coalesce(p.runs, 0))::bigint AS runs_total,
       (kept.changed + coalesce(p.changed, 0))::bigint AS changed_total
  FROM conflag.job_status s
  JOIN conflag.jobs j ON j.id = s.job_id
  CROSS JOIN LATERAL (SELECT coalesce(j.timezone, (SELECT st.default_timezone FROM conflag.settings st),
                                      current_setting('TimeZone')) AS timezone) tz
  LEFT JOIN conflag.job_schedules sch
         ON sch.job_id = s.job_id AND sch.crontab = conflag.schedule_cron(j.schedule) AND sch.timezone = tz.timezone
  LEFT JOIN conflag.job_pruned_totals p ON p.job_id = s.job_id
  LEFT JOIN LATERAL (
    SELECT r.id, r.status, r.finished_at, r.error
      FROM conflag.job_runs r
     WHERE r.job_id = s.job_id AND r.status IN ('failed', 'aborted')
     ORDER BY r.id DESC
     LIMIT 1) f ON true
  CROSS JOIN LATERAL (
    SELECT count(*) AS runs, coalesce(sum(r.changed), 0) AS changed
      FROM conflag.job_runs r
     WHERE r.job_id = s.job_id) kept;

COMMENT ON VIEW conflag.job_report IS 'Per job: last run, last success, last failure, consecutive failures, next run (runners'' next tick) and lifetime totals of runs and recordings changed (including pruned runs). See docs/reporting.md.';
COMMENT ON COLUMN conflag.job_report.timezone IS 'The time zone the job''s schedule and dates are read in: its own, else conflag.settings.default_timezone, else the server''s TimeZone.';
COMMENT ON COLUMN conflag.job_report.next_run_at IS 'When the runners will next run it on schedule (conflag.job_schedules); NULL for manual or disabled jobs, not yet scheduled ones, and schedules that never fire.';
COMMENT ON COLUMN conflag.job_report.last_run_id IS 'The last finished run (skipped runs not counted), as in conflag.job_status.';
COMMENT ON COLUMN conflag.job_report.last_success_run_id IS 'The last succeeded run.';
COMMENT ON COLUMN conflag.job_report.last_failure_run_id IS 'The last failed or aborted run still in the history (failures are kept conflag.settings.keep_failed_runs_days).';
COMMENT ON COLUMN conflag.job_report.last_failure_error IS 'Why that run failed or was aborted.';
COMMENT ON COLUMN conflag.job_report.consecutive_failures IS 'Failed or aborted runs since the last success.';
COMMENT ON COLUMN conflag.job_report.runs_total IS 'Runs ever recorded for the job (including skipped ones and pruned ones).';
COMMENT ON COLUMN conflag.job_report.changed_total IS 'Recordings whose flag the job''s runs changed, over its whole life (pruned runs included).';
GRANT SELECT ON conflag.job_report TO conflag_runner, conflag_reporting, conflag_admin;
