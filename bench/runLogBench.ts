// What a job's detailed run log (log_enabled, conflag.job_run_log) costs a run: the same job run with
// log_enabled false (baseline) and true, interleaved in one process on the same data, first runs (flags reset)
// and re-runs (nothing to change), at the default batch size and at small batches (more entries per run).
//   node bench/runLogBench.ts                 (embedded PostgreSQL in a temp folder; BENCH_ROWS, default 1 000 000)
//   DATABASE_URL=... node bench/runLogBench.ts   (a database where we may create one: bench_conflag_run_log)
// Prints markdown tables for bench/README.md. Keep BENCH_ROWS <= 1-2M on shared machines.
import os from 'node:os';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { loadDemoRecordings, measure, openBenchDatabase, printRatioTables } from './lib/benchDatabase.ts';
import { executeRun } from '../src/run/executeRun.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
// About 1 % of demo recordings last longer than 4 hours (the same condition as bench/runBench.ts).
const CONDITION = { all: [{ fact: 'duration', operator: 'greaterThan', value: 14400 }] };

const { url, stop } = await openBenchDatabase('bench_conflag_run_log');
const pool = new pg.Pool({ connectionString: url, max: 3 });
try {
  await migrate(url);
  console.error(`loading ${ROWS} recordings ...`);
  await loadDemoRecordings(pool, ROWS);
  const job = async (name: string, logEnabled: boolean) =>
    (await pool.query(`INSERT INTO conflag.jobs (name, condition, action, log_enabled) VALUES ($1, $2::jsonb, 'set', $3) RETURNING id::text`,
      [name, JSON.stringify(CONDITION), logEnabled])).rows[0].id as string;
  const quiet = await job('bench no log', false);
  const logged = await job('bench log', true);
  const run = (jobId: string, batchUnits: number) => async () => {
    const result = await executeRun(pool, jobId, { trigger: 'manual', batchUnits });
    if (result.status !== 'succeeded') throw new Error(`bench run ${result.status}: ${result.error}`);
  };
  const resetFlags = async () => {
    await pool.query(`UPDATE conflag.recordings SET confidential = false, confidential_changed_at = NULL, confidential_changed_by_run = NULL WHERE confidential`);
    await pool.query(`VACUUM conflag.recordings`);
  };
  const tables: [string, Record<string, number>][] = [];
  // Blocks per batch: about 100 000 and 10 000 rows of the demo table (~60 rows a block).
  for (const batchSize of [1_600, 160]) {
    const size = `${batchSize} blocks`;
    tables.push([`First run (flags all false), batches of ${size}`, await measure({
      'log_enabled = false (baseline)': run(quiet, batchSize),
      'log_enabled = true': run(logged, batchSize),
    }, resetFlags, { repeat: REPEAT, alternate: true, digits: 3 })]);
    tables.push([`Re-run (nothing to change), batches of ${size}`, await measure({
      'log_enabled = false (baseline)': run(quiet, batchSize),
      'log_enabled = true': run(logged, batchSize),
    }, async () => {}, { repeat: REPEAT, alternate: true, digits: 3 })]);
  }
  const entries = (await pool.query(`SELECT count(*)::int AS n, pg_size_pretty(pg_total_relation_size('conflag.job_run_log')) AS size FROM conflag.job_run_log`)).rows[0];
  console.log(`\n${ROWS} recordings; median of ${REPEAT}, interleaved; PostgreSQL ${(await pool.query('SHOW server_version')).rows[0].server_version}, ${os.cpus().length} cores (shared); job_run_log after the bench: ${entries.n} entries, ${entries.size}\n`);
  printRatioTables(tables, 3);
} finally {
  await pool.end();
  await stop();
}
