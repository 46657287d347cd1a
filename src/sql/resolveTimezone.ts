// The timezone a run evaluates date/time facts in: the job's own, else conflag.settings.default_timezone (when
// that table exists and has a value), else the server's TimeZone setting.
import type pg from 'pg';

export async function resolveTimezone(db: pg.Pool | pg.ClientBase, jobTimezone: string | null): Promise<string> {
  if (jobTimezone) return jobTimezone;
  const { rows } = await db.query<{ has_settings: boolean; server: string }>(
    `SELECT to_regclass('conflag.settings') IS NOT NULL AS has_settings, current_setting('TimeZone') AS server`,
  );
  if (rows[0].has_settings) {
    const settings = await db.query<{ tz: string | null }>(`SELECT default_timezone AS tz FROM conflag.settings LIMIT 1`);
    if (settings.rows[0]?.tz) return settings.rows[0].tz;
  }
  return rows[0].server;
}
