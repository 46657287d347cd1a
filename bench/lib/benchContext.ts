// What every group of `npm run bench` works with: the database, the condition (chosen for the match rate), the
// two jobs that carry it (one full, one incremental) and the state changes groups need between rows.
import type { RawBuilder, SqlBool } from 'kysely';
import type pg from 'pg';
import type { ConditionContext } from '../../src/condition/types.ts';
import { executeRun } from '../../src/run/executeRun.ts';
import type { BenchOptions } from './benchOptions.ts';
import type { WriteMeter } from './writeMeter.ts';

export interface BenchContext {
  pool: pg.Pool;
  url: string;
  options: BenchOptions;
  condition: unknown;
  /** The condition compiled by src/condition (no scope: every tenant), over alias r. */
  predicate: RawBuilder<SqlBool>;
  /** The jobs' timezone and a fixed as_of, for the row-by-row baseline's facts. */
  conditionContext: ConditionContext;
  fullJob: { id: string; name: string };
  incrementalJob: { id: string; name: string };
  meter: WriteMeter;
  progress: (line: string) => void;
}

/** One conflag run in this process, exactly as the runner calls it (executeRun, default options). */
export async function conflagRun(ctx: BenchContext, job: { id: string }): Promise<{ changed: number; note: string }> {
  const result = await executeRun(ctx.pool, job.id, { trigger: 'manual' });
  if (result.status !== 'succeeded') throw new Error(`bench run of job ${job.id} ${result.status}: ${result.error}`);
  return { changed: result.changed, note: `scan: ${result.scan}` };
}

/**
 * Clears every flag (or those of recordings after `afterId`) with conflag's own columns only, so the change-log
 * trigger does not fire and incremental jobs do not see it; then VACUUM and CHECKPOINT, so every row starts from
 * the same heap and pays the same full-page images in its WAL.
 */
export async function clearFlags(pool: pg.Pool, afterId: string | null = null): Promise<void> {
  await pool.query(
    `UPDATE conflag.recordings SET confidential = false, confidential_changed_at = NULL, confidential_changed_by_run = NULL
      WHERE confidential AND ($1::bigint IS NULL OR id > $1::bigint)`,
    [afterId],
  );
  await pool.query('VACUUM conflag.recordings');
  await pool.query('CHECKPOINT');
}

export async function maxRecordingId(pool: pg.Pool): Promise<string> {
  return (await pool.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM conflag.recordings`)).rows[0].id;
}
