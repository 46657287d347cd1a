// A job's schedule state as people and Prometheus see it: the schedule in words, the next run, and whether it
// can be scheduled at all. A job whose time zone Node's Intl does not know (PostgreSQL knows more names) or whose
// crontab has no next occurrence (0 0 30 2 *) is valid in the database but never runs; syncSchedules logs that
// once per reconcile, and this makes it visible in `conflag jobs` and the conflag_jobs_unschedulable gauge.
import type pg from 'pg';
import { readJobOverview, type JobOverviewRow } from '../sql/readJobOverview.ts';
import { describeSchedule } from './describeSchedule.ts';
import { localTime, nextTick } from './nextTick.ts';

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

export function overviewOf(row: JobOverviewRow, now: Date): JobOverview {
  let nextRunAt: Date | null = null;
  let scheduleProblem: string | null = null;
  if (row.enabled && row.crontab !== null) {
    try {
      const computed = nextTick(row.crontab, row.timezone, now);
      nextRunAt = row.scheduled_tick_at ?? computed.at;
    } catch (error) {
      scheduleProblem = (error as Error).message;
    }
  }
  return {
    row,
    scheduleText: describeSchedule(row.schedule, row.timezone),
    nextRunAt,
    nextRunLocal: nextRunAt && localTime(row.timezone, nextRunAt),
    scheduleProblem,
  };
}

/** Every job's overview, page by page. */
export async function* jobOverviews(db: pg.Pool | pg.ClientBase, now = new Date()): AsyncGenerator<JobOverview[]> {
  for await (const rows of readJobOverview(db)) yield rows.map((row) => overviewOf(row, now));
}
