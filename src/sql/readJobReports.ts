// Rows of conflag.job_report for the job pages, with the crontab the schedule stands for (to tell whether it can
// be scheduled at all): one job, or a page of jobs in id order (keyset: ids after `after`).
import type pg from 'pg';

export interface JobReportRow {
  job_id: string;
  name: string;
  enabled: boolean;
  schedule: string;
  crontab: string | null;
  timezone: string;
  next_run_at: Date | null;
  running_run_id: string | null;
  last_run_id: string | null;
  last_status: string | null;
  last_finished_at: Date | null;
  last_changed: string | null;
  last_error: string | null;
  last_success_run_id: string | null;
  last_success_at: Date | null;
  last_failure_run_id: string | null;
  last_failure_status: string | null;
  last_failure_at: Date | null;
  last_failure_error: string | null;
  consecutive_failures: number;
  runs_total: string;
  changed_total: string;
}

const COLUMNS = `job_id::text, name, enabled, schedule, conflag.schedule_cron(schedule) AS crontab, timezone, next_run_at,
  running_run_id::text, last_run_id::text, last_status, last_finished_at, last_changed::text, last_error, last_success_run_id::text,
  last_success_at, last_failure_run_id::text, last_failure_status, last_failure_at, last_failure_error, consecutive_failures,
  runs_total::text, changed_total::text`;

export async function readJobReports(db: pg.Pool | pg.ClientBase, page: { after: string; limit: number }): Promise<JobReportRow[]> {
  const { rows } = await db.query<JobReportRow>(
    `SELECT ${COLUMNS} FROM conflag.job_report WHERE job_id > $1::bigint ORDER BY job_id LIMIT $2`,
    [page.after, page.limit],
  );
  return rows;
}

export async function readJobReport(db: pg.Pool | pg.ClientBase, jobId: string): Promise<JobReportRow | undefined> {
  const { rows } = await db.query<JobReportRow>(`SELECT ${COLUMNS} FROM conflag.job_report WHERE job_id = $1::bigint`, [jobId]);
  return rows[0];
}
