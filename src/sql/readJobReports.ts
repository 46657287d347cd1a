// One job's row of conflag.job_report for its page, shaped as a JobOverviewRow (src/sql/readJobOverview.ts) plus
// the report's columns, so overviewOf (src/schedule/jobOverview.ts) says the schedule in words, the next run and
// whether it can be scheduled, as `conflag jobs` and the jobs page do.
import type pg from 'pg';
import type { JobOverviewRow } from './readJobOverview.ts';

export interface JobReportRow extends JobOverviewRow {
  last_error: string | null;
  last_success_run_id: string | null;
  last_failure_run_id: string | null;
  last_failure_status: string | null;
  last_failure_at: Date | null;
  last_failure_error: string | null;
  runs_total: string;
  changed_total: string;
}

export async function readJobReport(db: pg.Pool | pg.ClientBase, jobId: string): Promise<JobReportRow | undefined> {
  const { rows } = await db.query<JobReportRow>(
    `SELECT job_id::text AS id, name, enabled, schedule, conflag.schedule_cron(schedule) AS crontab, timezone,
            next_run_at AS scheduled_tick_at, running_run_id::text, running_since, last_run_id::text, last_status, last_finished_at,
            last_changed::text, last_error, last_success_run_id::text, last_success_at, last_failure_run_id::text,
            last_failure_status, last_failure_at, last_failure_error, consecutive_failures, runs_total::text, changed_total::text
       FROM conflag.job_report WHERE job_id = $1::bigint`,
    [jobId],
  );
  return rows[0];
}
