// What every group of `npm run bench` works with: the database, the condition (chosen for the match rate), the
// two jobs that carry it (one full, one incremental) and the state changes groups need between rows.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import pg from 'pg';
import { loadCatalog } from '../../src/condition/loadCatalog.ts';
import { recordingsOfJob } from '../../src/condition/recordingsOfJob.ts';
import type { ConditionContext } from '../../src/condition/types.ts';
import { compileSql } from '../../src/db/kysely.ts';
import { executeRun } from '../../src/run/executeRun.ts';
import { resolveTimezone } from '../../src/sql/resolveTimezone.ts';
import { benchPool, loadDemoRecordings } from './benchDatabase.ts';
import type { BenchOptions } from './benchOptions.ts';
import { partitionRecordings } from './partitionRecordings.ts';
import { openWriteMeter, type WriteMeter } from './writeMeter.ts';

export interface BenchContext {
  pool: pg.Pool;
  /** A login that is a member of conflag_runner, as the runner service connects: row-level security applies to it. */
  runnerPool: pg.Pool;
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

/** One conflag run in this process, exactly as the runner calls it (executeRun, default options unless given). */
export async function conflagRun(ctx: BenchContext, job: { id: string }, options: { parallelism?: number; pool?: pg.Pool } = {}): Promise<{ changed: number; note: string }> {
  const { pool = ctx.pool, ...settings } = options;
  const result = await executeRun(pool, job.id, { trigger: 'manual', ...settings });
  if (result.status !== 'succeeded') throw new Error(`bench run of job ${job.id} ${result.status}: ${result.error}`);
  return { changed: result.changed, note: `scan: ${result.scan}` };
}

/**
 * Clears every flag (or those of recordings after `afterId`) with conflag's own columns only, so the change-log
 * trigger does not fire and incremental jobs do not see it (clearing all also empties the flag history, which
 * conflag's runs write and the hand-written rows do not); then VACUUM and CHECKPOINT, so every row starts from the
 * same heap and pays the same full-page images in its WAL.
 */
export async function clearFlags(pool: pg.Pool, afterId: string | null = null): Promise<void> {
  await pool.query(
    `UPDATE conflag.recordings SET confidential = false, confidential_changed_at = NULL, confidential_changed_by_run = NULL
      WHERE confidential AND ($1::bigint IS NULL OR id > $1::bigint)`,
    [afterId],
  );
  if (afterId === null) await pool.query('TRUNCATE conflag.flag_history');
  await pool.query('VACUUM conflag.recordings');
  await pool.query('CHECKPOINT');
}

export async function maxRecordingId(pool: pg.Pool): Promise<string> {
  return (await pool.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM conflag.recordings`)).rows[0].id;
}

/** Loads the data, picks the condition for the match rate, creates the two jobs. */
export async function prepareBench(pool: pg.Pool, url: string, options: BenchOptions, progress: (line: string) => void): Promise<BenchContext & { matching: number }> {
  progress(`loading ${options.rows} demo recordings ...`);
  await loadDemoRecordings(pool, options.rows);
  if (options.partitioned) progress(`month-partitioned: ${await partitionRecordings(pool)} partitions`);
  // The duration above which the requested share of recordings lies (demo durations have a long tail).
  const threshold = Number((await pool.query<{ t: number }>(
    `SELECT percentile_disc(1 - $1::float8) WITHIN GROUP (ORDER BY duration) AS t FROM conflag.recordings`, [options.match])).rows[0].t);
  const condition = { all: [{ fact: 'duration', operator: 'greaterThan', value: threshold }] };
  const job = async (name: string, mode: string) => {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO conflag.jobs (name, condition, action, mode) VALUES ($1, $2::jsonb, 'set', $3) RETURNING id::text`, [name, JSON.stringify(condition), mode]);
    return { id: rows[0].id, name };
  };
  const timezone = await resolveTimezone(pool, null);
  const predicate = recordingsOfJob({ access_scope: null, condition }, await loadCatalog(pool), { timezone, asOf: new Date() });
  const count = compileSql(sql`SELECT count(*)::int AS n FROM conflag.recordings r WHERE ${predicate}`);
  const matching = (await pool.query<{ n: number }>(count.sql, count.parameters)).rows[0].n;
  progress(`${matching} matching (${((100 * matching) / options.rows).toFixed(2)} %): ${JSON.stringify(condition)}`);
  const runnerPool = await runnerLoginPool(pool, url);
  return {
    pool, runnerPool, url, options, condition, predicate, conditionContext: { timezone, asOf: new Date() }, matching,
    fullJob: await job('bench full', 'full'), incrementalJob: await job('bench incremental', 'incremental'),
    meter: await openWriteMeter(pool, [runnerPool]), progress,
  };
}

/** The login the runner-login row connects as (cluster-wide, so named after the bench's database; made anew). */
export const RUNNER_LOGIN = 'bench_conflag_runner';

async function runnerLoginPool(pool: pg.Pool, url: string): Promise<pg.Pool> {
  const database = (await pool.query<{ d: string }>('SELECT current_database() AS d')).rows[0].d;
  const name = `${RUNNER_LOGIN}_${database}`.slice(0, 63);
  const password = `bench-${process.pid}`;
  await pool.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`);
  await pool.query(`CREATE ROLE ${pg.escapeIdentifier(name)} LOGIN PASSWORD ${pg.escapeLiteral(password)} IN ROLE conflag_runner`);
  const login = new URL(url);
  login.username = name;
  login.password = password;
  return benchPool(login.toString(), 3);
}

/** Ends the runner login's pool and drops the login (it owns nothing: only its membership goes). */
export async function dropRunnerLogin(ctx: BenchContext): Promise<void> {
  const user = (await ctx.runnerPool.query<{ u: string }>('SELECT current_user AS u')).rows[0].u;
  await ctx.runnerPool.end();
  await ctx.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [user]);
  await ctx.pool.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(user)}`);
}
