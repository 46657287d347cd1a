// A job's schedule state as people and Prometheus see it: the schedule in words, the next run, and whether it
// can be scheduled at all. The database decides both (src/sql/readJobOverview.ts): a job saved under older rules
// that the current ones refuse (5/10 * * * *, 0 0 31 2 *) is in the table but never runs; syncSchedules logs that
// once per reconcile, and this makes it visible in `conflag jobs` and the conflag_jobs_unschedulable gauge.
import type pg from 'pg';
import { readJobOverview, type JobOverviewRow } from '../sql/readJobOverview.ts';
import { describeSchedule } from './describeSchedule.ts';

export interface JobOverview {
  row: JobOverviewRow;
  /** The schedule in words (describeSchedule). */
  scheduleText: string;
  /** When it runs next: the runners' tick, else computed now; null when manual, disabled or unschedulable. */
  nextRunAt: Date | null;
  /** nextRunAt as wall-clock time in the job's time zone ("2026-03-08T03:00"). */
  nextRunLocal: string | null;
  /** Why an enabled scheduled job cannot be scheduled; null when it can (or is manual or disabled). */
  scheduleProblem: string | null;
}

export function overviewOf(row: JobOverviewRow): JobOverview {
  return {
    row,
    scheduleText: describeSchedule(row.schedule, row.timezone),
    nextRunAt: row.next_run_at,
    nextRunLocal: row.next_run_local,
    scheduleProblem: row.schedule_problem,
  };
}

/** Every job's overview, page by page. */
export async function* jobOverviews(db: pg.Pool | pg.ClientBase, now = new Date()): AsyncGenerator<JobOverview[]> {
  for await (const rows of readJobOverview(db, now)) yield rows.map(overviewOf);
}
