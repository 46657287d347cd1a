// Keeps conflag.job_schedules in step with conflag.jobs: a row for each enabled job whose schedule is not
// 'manual', with its crontab (presets expanded by conflag.crontab_of), its time zone (conflag.job_timezone: the
// job's, else conflag.settings.default_timezone, else the server's TimeZone — the same rule runs use) and its next
// tick, computed by the database (conflag.schedule_next_ticks) from the same reading of crontabs and zones the
// validation uses. Called for one job on NOTIFY conflag_jobs and for all jobs by the periodic reconcile.
// Idempotent, and serialized by an advisory lock, so any number of runners can call it at once: a row whose crontab
// and time zone did not change keeps its next tick.
import type pg from 'pg';
import type { Logger } from '../log.ts';
import { nextTicks } from './nextTicks.ts';

export interface SyncResult {
  /** Rows written (new schedules and changed ones). */
  upserted: number;
  /** Rows deleted (job disabled, deleted, or made manual). */
  removed: number;
  /** Jobs whose schedule could not be read (logged; their row is removed so they do not run on a stale one). */
  failed: number;
}

const BATCH = 500;

export async function syncSchedules(
  pool: pg.Pool,
  options: { jobId?: number; now?: Date; log: Logger },
): Promise<SyncResult> {
  const result: SyncResult = { upserted: 0, removed: 0, failed: 0 };
  const jobId = options.jobId ?? null;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Transaction-scoped: released at COMMIT/ROLLBACK, also if this runner dies mid-way.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('conflag.job_schedules'))`);
    const now = options.now ?? (await client.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0].now;
    const removed = await client.query(
      `DELETE FROM conflag.job_schedules s
        WHERE ($1::bigint IS NULL OR s.job_id = $1)
          AND NOT EXISTS (SELECT FROM conflag.jobs j
                           WHERE j.id = s.job_id AND j.enabled AND conflag.crontab_of(j.schedule) IS NOT NULL)`,
      [jobId],
    );
    result.removed += removed.rowCount ?? 0;
    let after = 0;
    for (;;) {
      const { rows } = await client.query<{ id: string; crontab: string; timezone: string }>(
        `SELECT j.id, d.crontab, d.timezone
           FROM conflag.jobs j
          CROSS JOIN LATERAL (SELECT conflag.crontab_of(j.schedule) AS crontab, conflag.job_timezone(j.timezone) AS timezone) d
           LEFT JOIN conflag.job_schedules s ON s.job_id = j.id
          WHERE j.enabled AND d.crontab IS NOT NULL
            AND ($1::bigint IS NULL OR j.id = $1) AND j.id > $2
            AND (s.job_id IS NULL OR s.crontab IS DISTINCT FROM d.crontab OR s.timezone IS DISTINCT FROM d.timezone)
          ORDER BY j.id
          LIMIT ${BATCH}`,
        [jobId, after],
      );
      const ticks = await nextTicks(client, rows, now);
      const good = rows.flatMap((row, i) => (ticks[i].at ? [{ ...row, at: ticks[i].at, slot: ticks[i].slot }] : []));
      const broken = rows.filter((row, i) => !ticks[i].at);
      for (const row of broken) {
        options.log.error(
          { job: Number(row.id), crontab: row.crontab, timezone: row.timezone, problem: ticks[rows.indexOf(row)].problem },
          'cannot compute the next tick of a job; it is not scheduled until its schedule or timezone is fixed',
        );
      }
      if (good.length) {
        const upserted = await client.query(
          `INSERT INTO conflag.job_schedules AS s (job_id, crontab, timezone, next_tick_at, next_slot, synced_at)
           SELECT u.job_id, u.crontab, u.timezone, u.next_tick_at, u.next_slot, $6
             FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::text[])
                  AS u (job_id, crontab, timezone, next_tick_at, next_slot)
           ON CONFLICT (job_id) DO UPDATE
              SET crontab = EXCLUDED.crontab, timezone = EXCLUDED.timezone, next_tick_at = EXCLUDED.next_tick_at,
                  next_slot = EXCLUDED.next_slot, synced_at = EXCLUDED.synced_at`,
          [good.map((r) => r.id), good.map((r) => r.crontab), good.map((r) => r.timezone), good.map((r) => r.at), good.map((r) => r.slot), now],
        );
        result.upserted += upserted.rowCount ?? 0;
      }
      if (broken.length) {
        const dropped = await client.query('DELETE FROM conflag.job_schedules WHERE job_id = ANY($1::bigint[])', [broken.map((r) => r.id)]);
        result.removed += dropped.rowCount ?? 0;
        result.failed += broken.length;
      }
      if (rows.length < BATCH) break;
      after = Number(rows[rows.length - 1].id);
    }
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
