// The executor's housekeeping routines as the runner calls them periodically: keep-alive (runs without progress
// for keep_alive_timeout_minutes are marked failed and their backend terminated, so the job can run again) and
// history pruning (keep_history_days). Both are safe to call from every runner at once: expire_stalled_runs
// skips locked rows, prune_history takes an advisory lock.
import type pg from 'pg';
import type { Logger } from '../log.ts';

/** Calls conflag.expire_stalled_runs; returns the ids of the runs it marked failed. `now` is for tests (p_now). */
export async function expireStalledRuns(pool: pg.Pool, log: Logger, now?: Date): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>('SELECT conflag.expire_stalled_runs(coalesce($1::timestamptz, now()))::text AS id', [now ?? null]);
  const ids = rows.map((r) => r.id);
  if (ids.length) log.warn({ runs: ids }, `keep-alive: ${ids.length} run(s) made no progress within their keep-alive timeout and were marked failed`);
  return ids;
}

/** Calls conflag.prune_history (which returns how many runs it deleted, at most 20 000 per call) until done. */
export async function pruneHistory(pool: pg.Pool, log: Logger, now?: Date): Promise<number> {
  let total = 0;
  for (let call = 0; call < 50; call++) {
    const { rows } = await pool.query<{ n: number }>('SELECT conflag.prune_history(coalesce($1::timestamptz, now())) AS n', [now ?? null]);
    total += rows[0].n;
    if (rows[0].n < 20_000) break;
  }
  if (total) log.info({ runs: total }, 'history pruned');
  return total;
}
