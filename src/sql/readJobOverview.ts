// Per job, what `conflag jobs` and the per-job /metrics series show: settings, the crontab and time zone its
// schedule is read in (the rule of src/schedule/syncSchedules.ts), the runners' next tick (conflag.job_schedules),
// and the run state from conflag.job_status. Read in pages of ids: jobs are configuration (dozens, not millions),
// but nothing here assumes it.
import type pg from 'pg';

export interface JobOverviewRow {
  id: string;
  name: string;
  enabled: boolean;
  schedule: string;
  /** conflag.schedule_cron(schedule): NULL for manual. */
  crontab: string | null;
  timezone: string;
  /** The runners' next tick, when conflag.job_schedules has one for this crontab and time zone. */
  scheduled_tick_at: Date | null;
  running_run_id: string | null;
  running_since: Date | null;
  last_run_id: string | null;
  last_status: string | null;
  last_finished_at: Date | null;
  last_changed: string | null;
  last_success_at: Date | null;
  consecutive_failures: number;
}

const PAGE = 500;

export async function* readJobOverview(db: pg.Pool | pg.ClientBase): AsyncGenerator<JobOverviewRow[]> {
  let after = '0';
  for (;;) {
    const { rows } = await db.query<JobOverviewRow>(
      `SELECT j.id::text, j.name, j.enabled, j.schedule, d.crontab, d.timezone,
              s.next_tick_at AS scheduled_tick_at,
              st.running_run_id::text, st.running_since, st.last_run_id::text, st.last_status, st.last_finished_at,
              st.last_changed::text, st.last_success_at, st.consecutive_failures
         FROM conflag.jobs j
        CROSS JOIN LATERAL (SELECT conflag.schedule_cron(j.schedule) AS crontab,
                                   coalesce(j.timezone, (SELECT x.default_timezone FROM conflag.settings x LIMIT 1),
                                            current_setting('TimeZone')) AS timezone) d
         JOIN conflag.job_status st ON st.job_id = j.id
         LEFT JOIN conflag.job_schedules s ON s.job_id = j.id AND s.crontab = d.crontab AND s.timezone = d.timezone
        WHERE j.id > $1::bigint
        ORDER BY j.id
        LIMIT ${PAGE}`,
      [after],
    );
    if (rows.length) yield rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].id;
  }
}
