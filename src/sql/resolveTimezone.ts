// The timezone a run evaluates date/time facts in: conflag.job_timezone (the job's own, else
// conflag.settings.default_timezone, else the server's TimeZone setting) — the rule schedules use too.
import type pg from 'pg';

export async function resolveTimezone(db: pg.Pool | pg.ClientBase, jobTimezone: string | null): Promise<string> {
  const { rows } = await db.query<{ timezone: string }>('SELECT conflag.job_timezone($1) AS timezone', [jobTimezone]);
  return rows[0].timezone;
}
