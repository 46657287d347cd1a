// `npm run bench`: issue 14's table in one run on the same data — conflag against what a DBA writes by hand (one
// guarded UPDATE, keyset and block-range batches, on one and two connections) and against a row-by-row
// application, re-runs, incremental runs, WAL per changed recording, peak RSS of a run, and the runner's
// tick-to-start lag. Timed rows are interleaved, reported as medians and as ratios to a baseline measured in the
// same run. `npm run bench -- --help` lists the options; docs/performance.md holds the latest figures.
//   npm run bench -- --rows 5000000                 (embedded PostgreSQL 17 in a temporary folder)
//   DATABASE_URL=postgres://... npm run bench       (creates the database --database, default bench_conflag_runs)
import os from 'node:os';
import { migrate } from '../src/db/migrate.ts';
import { benchPool, openBenchDatabase } from './lib/benchDatabase.ts';
import { killConflagProcesses } from './lib/conflagProcess.ts';
import { dropRunnerLogin, prepareBench, type BenchContext } from './lib/benchContext.ts';
import { readBenchOptions, USAGE } from './lib/benchOptions.ts';
import { printGroup, printSummary } from './lib/benchReport.ts';
import { rowsToRun, type GroupId, type RowResult } from './lib/benchRows.ts';
import { peakRssGroup, schedulerGroup } from './lib/processGroups.ts';
import { firstRunGroup, incremental10kGroup, incrementalBulkGroup, reRunGroup } from './lib/timedGroups.ts';

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
const pool = benchPool(url, 6);
// Interrupted (Ctrl-C, a test's timeout): no runner process and no embedded server may outlive the bench.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping the bench's processes and its database server`);
    killConflagProcesses();
    void pool.end().catch(() => {}).then(stop).finally(() => process.exit(130));
  });
}
let ctx: (BenchContext & { matching: number }) | undefined;
try {
  await migrate(url);
  ctx = await prepareBench(pool, url, options, progress);
  const results: RowResult[] = [];
  // The machine is shared: its 1-minute load average at the start and end of each group goes into the summary.
  const load: Partial<Record<GroupId, [number, number]>> = {};
  for (const [group, measure] of ORDER) {
    if (!rowsToRun(group, options.only).length) continue;
    progress(`${group} ...`);
    const before = os.loadavg()[0];
    const rows = await measure(ctx);
    load[group] = [before, os.loadavg()[0]];
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
    rowsReported: results.length, loadAverage: load, goals: { met: goals.filter((r) => r.goalMet).length, missed: goals.filter((r) => !r.goalMet).length },
    seconds: (performance.now() - started) / 1000,
  }, options.json);
} finally {
  if (ctx) await dropRunnerLogin(ctx);
  await pool.end();
  await stop();
}
