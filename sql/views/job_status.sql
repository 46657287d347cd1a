-- One row per job: its settings at a glance, the run in progress (if any), the last finished run (skipped runs
-- are not counted: they only say a tick came while a run was active), the last success, how many runs failed, were
-- aborted or interrupted since that success, how many recordings the last run took back from a job of the opposite
-- action (flip-flops: a conflict to settle), and why its schedule cannot run, if it cannot.
CREATE OR REPLACE VIEW conflag.job_status AS
SELECT j.id AS job_id,
       j.name,
       j.enabled,
       j.schedule,
       j.mode,
       j.action,
       cur.id AS running_run_id,
       cur.started_at AS running_since,
       cur.heartbeat_at AS running_heartbeat_at,
       cur.batches AS running_batches,
       cur.matched AS running_matched,
       cur.changed AS running_changed,
       last.id AS last_run_id,
       last.status AS last_status,
       last.trigger AS last_trigger,
       last.started_at AS last_started_at,
       last.finished_at AS last_finished_at,
       last.matched AS last_matched,
       last.changed AS last_changed,
       last.skipped AS last_skipped,
       last.flip_flops AS last_flip_flops,
       last.error AS last_error,
       ok.id AS last_success_run_id,
       ok.finished_at AS last_success_at,
       (SELECT count(*)
          FROM conflag.job_runs f
         WHERE f.job_id = j.id
           AND f.status IN ('failed', 'aborted', 'interrupted')
           AND f.id > coalesce(ok.id, 0))::integer AS consecutive_failures,
       CASE WHEN j.enabled THEN conflag.schedule_problem(j.schedule, j.timezone) END AS schedule_problem
  FROM conflag.jobs j
  LEFT JOIN conflag.job_runs cur ON cur.job_id = j.id AND cur.status = 'running'
  LEFT JOIN LATERAL (
    SELECT r.id, r.status, r.trigger, r.started_at, r.finished_at, r.matched, r.changed, r.skipped, r.flip_flops, r.error
      FROM conflag.job_runs r
     WHERE r.job_id = j.id AND r.status NOT IN ('running', 'skipped')
     ORDER BY r.id DESC
     LIMIT 1) last ON true
  LEFT JOIN LATERAL (
    SELECT r.id, r.finished_at
      FROM conflag.job_runs r
     WHERE r.job_id = j.id AND r.status = 'succeeded'
     ORDER BY r.id DESC
     LIMIT 1) ok ON true;

COMMENT ON VIEW conflag.job_status IS 'Per job: settings, the run in progress (running_*), the last finished run (last_*, skipped runs not counted; last_flip_flops = recordings it changed back from a job of the opposite action, see conflag.job_conflicts), the last success, consecutive_failures (failed, aborted or interrupted runs since the last success; a run stopped by an operator, status stopped, is not a failure and does not end the streak), and schedule_problem (why an enabled job''s saved schedule cannot be scheduled under the current rules; NULL when it can).';
GRANT SELECT ON conflag.job_status TO conflag_runner, conflag_reporting, conflag_admin;
