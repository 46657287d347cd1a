// The executor's housekeeping routines as the runner calls them periodically: keep-alive (runs whose session is
// gone, or whose runner wrote no heartbeat for keep_alive_timeout_minutes, are recorded as interrupted — the
// latter's session terminated — so the job runs again) and history pruning (keep_history_days). Both are safe to
// call from every runner at once: expire_stalled_runs skips locked rows and busy jobs, prune_history takes an
// advisory lock.
import type pg from 'pg';
import type { Logger } from '../log.ts';

export interface InterruptedRun {
  runId: string;
  /** 'session ended' (noticed within seconds) or 'no heartbeat' (after keep_alive_timeout_minutes). */
  reason: 'session ended' | 'no heartbeat';
}

/** Calls conflag.expire_stalled_runs; returns the runs it recorded as interrupted. `now` is for tests (p_now). */
export async function expireStalledRuns(pool: pg.Pool, log: Logger, now?: Date): Promise<InterruptedRun[]> {
  const { rows } = await pool.query<InterruptedRun>(
    'SELECT run_id::text AS "runId", reason FROM conflag.expire_stalled_runs(coalesce($1::timestamptz, now()))',
    [now ?? null],
  );
  for (const run of rows) {
    log.warn(run, run.reason === 'session ended'
      ? 'keep-alive: a run\'s session ended without recording its end (runner killed, database restarted, connection lost); recorded as interrupted'
      : 'keep-alive: a run\'s runner wrote no heartbeat for the job\'s keep_alive_timeout_minutes; recorded as interrupted, its session terminated');
  }
  return rows;
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
