// Per job, what `conflag jobs` and the per-job /metrics series show: settings, the crontab and time zone its
// schedule is read in (the rule of src/schedule/syncSchedules.ts), when it runs next — the runners' tick
// (conflag.job_schedules), else computed now by the database (conflag.schedule_next_ticks) — or why it cannot be
// scheduled, times in the job's zone, and the run state from conflag.job_status. Read in pages of ids: jobs are
// configuration (dozens, not millions), but nothing here assumes it.
import type pg from 'pg';

export interface JobOverviewRow {
  id: string;
  name: string;
  enabled: boolean;
  schedule: string;
  /** conflag.crontab_of(schedule): NULL for manual. */
  crontab: string | null;
  timezone: string;
  /** When an enabled scheduled job runs next: the runners' tick, else computed now; NULL otherwise. */
  next_run_at: Date | null;
  /** next_run_at as wall-clock time in the job's time zone ("2026-03-08T03:00"). */
  next_run_local: string | null;
  /** Why an enabled scheduled job cannot be scheduled (the database's message); NULL when it can. */
  schedule_problem: string | null;
  running_run_id: string | null;
  running_since: Date | null;
  /** running_since and last_finished_at in the job's time zone ("2026-05-04 01:00"). */
  running_since_local: string | null;
  last_run_id: string | null;
  last_status: string | null;
  last_finished_at: Date | null;
  last_finished_local: string | null;
  last_changed: string | null;
  last_success_at: Date | null;
  consecutive_failures: number;
  /** Recordings the last finished run changed back from a job of the opposite action (a fight); NULL before one. */
  last_flip_flops: string | null;
}

const PAGE = 500;

const LOCAL = `'YYYY-MM-DD"T"HH24:MI'`;

/** The overview query for the jobs `where` selects with its parameter $1; $2 is now. */
function overviewSql(where: string, limit = ''): string {
  return `SELECT j.id::text, j.name, j.enabled, j.schedule, d.crontab, d.timezone,
              coalesce(s.next_tick_at, t.next_tick_at) AS next_run_at,
              to_char(coalesce(s.next_tick_at, t.next_tick_at) AT TIME ZONE d.timezone, ${LOCAL}) AS next_run_local,
              t.problem AS schedule_problem,
              st.running_run_id::text, st.running_since, to_char(st.running_since AT TIME ZONE d.timezone, ${LOCAL}) AS running_since_local,
              st.last_run_id::text, st.last_status, st.last_finished_at, to_char(st.last_finished_at AT TIME ZONE d.timezone, ${LOCAL}) AS last_finished_local,
              st.last_changed::text, st.last_success_at, st.consecutive_failures, st.last_flip_flops::text
         FROM conflag.jobs j
        CROSS JOIN LATERAL (SELECT conflag.crontab_of(j.schedule) AS crontab, conflag.job_timezone(j.timezone) AS timezone) d
         JOIN conflag.job_status st ON st.job_id = j.id
         LEFT JOIN conflag.job_schedules s ON s.job_id = j.id AND s.crontab = d.crontab AND s.timezone = d.timezone
         -- Computed only for an enabled scheduled job without a runner's tick (NULL arrays give no row).
         LEFT JOIN LATERAL conflag.schedule_next_ticks(
                CASE WHEN j.enabled AND d.crontab IS NOT NULL AND s.job_id IS NULL THEN ARRAY[d.crontab] END,
                ARRAY[d.timezone], $2::timestamptz) AS t ON true
        WHERE ${where}
        ORDER BY j.id ${limit}`;
}

export async function* readJobOverview(db: pg.Pool | pg.ClientBase, now: Date): AsyncGenerator<JobOverviewRow[]> {
  let after = '0';
  for (;;) {
    const { rows } = await db.query<JobOverviewRow>(overviewSql('j.id > $1::bigint', `LIMIT ${PAGE}`), [after, now]);
    if (rows.length) yield rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].id;
  }
}

/** One job's overview (the job pages). */
export async function readOneJobOverview(db: pg.Pool | pg.ClientBase, jobId: string, now: Date): Promise<JobOverviewRow | undefined> {
  const { rows } = await db.query<JobOverviewRow>(overviewSql('j.id = $1::bigint'), [jobId, now]);
  return rows[0];
}
