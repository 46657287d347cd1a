// One job's overview (src/sql/readJobOverview.ts) plus its row of conflag.job_report, for its page: overviewOf
// (src/schedule/jobOverview.ts) then says the schedule in words, the next run and whether it can be scheduled, as
// `conflag jobs` and the jobs page do.
import type pg from 'pg';
import { readOneJobOverview, type JobOverviewRow } from './readJobOverview.ts';

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

export async function readJobReport(db: pg.Pool | pg.ClientBase, jobId: string, now = new Date()): Promise<JobReportRow | undefined> {
  const overview = await readOneJobOverview(db, jobId, now);
  if (!overview) return undefined;
  const { rows } = await db.query<Omit<JobReportRow, keyof JobOverviewRow>>(
    `SELECT last_error, last_success_run_id::text, last_failure_run_id::text, last_failure_status, last_failure_at, last_failure_error,
            runs_total::text, changed_total::text
       FROM conflag.job_report WHERE job_id = $1::bigint`,
    [jobId],
  );
  return rows[0] && { ...overview, ...rows[0] };
}
