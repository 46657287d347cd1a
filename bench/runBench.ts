// `npm run bench`: issue 14's table in one run on the same data — conflag against what a DBA writes by hand (one
// guarded UPDATE, keyset and block-range batches, on one and two connections) and against a row-by-row
// application, re-runs, incremental runs, WAL per changed recording, peak RSS of a run, and the runner's
// tick-to-start lag. Timed rows are interleaved, reported as medians and as ratios to a baseline measured in the
// same run. `npm run bench -- --help` lists the options; docs/performance.md holds the latest figures.
//   npm run bench -- --rows 5000000                 (embedded PostgreSQL 17 in a temporary folder)
//   DATABASE_URL=postgres://... npm run bench       (creates the database --database, default bench_conflag_runs)
import os from 'node:os';
import pg from 'pg';
import { sql } from 'kysely';
import { loadCatalog } from '../src/condition/loadCatalog.ts';
import { recordingsOfJob } from '../src/condition/recordingsOfJob.ts';
import { compileSql } from '../src/db/kysely.ts';
import { migrate } from '../src/db/migrate.ts';
import { resolveTimezone } from '../src/sql/resolveTimezone.ts';
import { loadDemoRecordings, openBenchDatabase } from './lib/benchDatabase.ts';
import type { BenchContext } from './lib/benchContext.ts';
import { readBenchOptions, USAGE, type BenchOptions } from './lib/benchOptions.ts';
import { printGroup, printSummary } from './lib/benchReport.ts';
import { rowsToRun, type GroupId, type RowResult } from './lib/benchRows.ts';
import { partitionRecordings } from './lib/partitionRecordings.ts';
import { peakRssGroup, schedulerGroup } from './lib/processGroups.ts';
import { firstRunGroup, incremental10kGroup, incrementalBulkGroup, reRunGroup } from './lib/timedGroups.ts';
import { openWriteMeter } from './lib/writeMeter.ts';

/** Groups in the order they run: each leaves the data as the next one expects it; the last two grow the table. */
const ORDER: [GroupId, (ctx: BenchContext) => Promise<RowResult[]>][] = [
  ['first-run', firstRunGroup], ['re-run', reRunGroup], ['incremental-10k', incremental10kGroup], ['scheduler', schedulerGroup],
  ['incremental-bulk', incrementalBulkGroup], ['peak-rss', peakRssGroup],
];
const SETTINGS = ['shared_buffers', 'effective_cache_size', 'work_mem', 'maintenance_work_mem', 'max_wal_size', 'checkpoint_timeout',
  'wal_compression', 'synchronous_commit', 'full_page_writes', 'random_page_cost', 'max_parallel_workers_per_gather', 'jit'];

if (process.argv.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
const options = readBenchOptions(process.argv.slice(2));
const started = performance.now();
const progress = (line: string) => console.error(line);
const { url, stop } = await openBenchDatabase(options.database);
const pool = new pg.Pool({ connectionString: url, max: 6 });
try {
  await migrate(url);
  const ctx = await prepare(pool, url, options);
  const results: RowResult[] = [];
  for (const [group, measure] of ORDER) {
    if (!rowsToRun(group, options.only).length) continue;
    progress(`${group} ...`);
    const rows = await measure(ctx);
    printGroup(group, rows, options.json);
    results.push(...rows);
  }
  const server = (await pool.query<{ v: string }>('SELECT version() AS v')).rows[0].v.replace(/ on .*$/, '');
  const settings = Object.fromEntries((await pool.query<{ name: string; setting: string }>(
    `SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name = ANY ($1) ORDER BY name`, [SETTINGS])).rows.map((r) => [r.name, r.setting]));
  const goals = results.filter((r) => r.goal);
  printSummary({
    summary: true, server, settings, cores: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), rows: options.rows,
    matching: ctx.matching, matchRate: ctx.matching / options.rows, condition: ctx.condition, partitioned: options.partitioned, repeat: options.repeat,
    rowsReported: results.length, goals: { met: goals.filter((r) => r.goalMet).length, missed: goals.filter((r) => !r.goalMet).length },
    seconds: (performance.now() - started) / 1000,
  }, options.json);
} finally {
  await pool.end();
  await stop();
}

/** Loads the data, picks the condition for the match rate, creates the two jobs. */
async function prepare(pool: pg.Pool, url: string, options: BenchOptions): Promise<BenchContext & { matching: number }> {
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
  return {
    pool, url, options, condition, predicate, conditionContext: { timezone, asOf: new Date() }, matching,
    fullJob: await job('bench full', 'full'), incrementalJob: await job('bench incremental', 'incremental'),
    meter: await openWriteMeter(pool), progress,
  };
}
