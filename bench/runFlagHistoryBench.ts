// What the flag history (conflag.flag_history, written by a CTE of the batch statement) costs a run: the default
// run against the same run without it (executeRun option flagHistory: false, which only benchmarks set),
// interleaved, first runs (flags and history emptied before each) and re-runs; and the WAL of a first run with
// and without it, which does not depend on the machine's load. Figures in bench/README.md. (Split out of
// bench/runBench.ts when that became `npm run bench`, issue 14.)
//   node bench/runFlagHistoryBench.ts            (embedded PostgreSQL in a temp folder; BENCH_ROWS, default 1 000 000)
//   DATABASE_URL=... node bench/runFlagHistoryBench.ts   (a database where we may create one: bench_conflag_history)
import os from 'node:os';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { executeRun } from '../src/run/executeRun.ts';
import { loadDemoRecordings, measure, openBenchDatabase, printRatioTables } from './lib/benchDatabase.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
// About 1 % of demo recordings last longer than 4 hours.
const CONDITION = { all: [{ fact: 'duration', operator: 'greaterThan', value: 14400 }] };

const { url, stop } = await openBenchDatabase('bench_conflag_history');
const pool = new pg.Pool({ connectionString: url, max: 4 });
try {
  await migrate(url);
  console.error(`loading ${ROWS} recordings ...`);
  await loadDemoRecordings(pool, ROWS);
  const jobId = (await pool.query(`INSERT INTO conflag.jobs (name, condition, action) VALUES ('bench', $1::jsonb, 'set') RETURNING id`, [JSON.stringify(CONDITION)])).rows[0].id;
  const run = (flagHistory: boolean) => async () => {
    const result = await executeRun(pool, jobId, { trigger: 'manual', flagHistory });
    if (result.status !== 'succeeded') throw new Error(`bench run ${result.status}: ${result.error}`);
  };
  const resetFlags = async () => {
    await pool.query(`UPDATE conflag.recordings SET confidential = false, confidential_changed_at = NULL, confidential_changed_by_run = NULL WHERE confidential`);
    await pool.query(`TRUNCATE conflag.flag_history`);
    await pool.query(`VACUUM conflag.recordings`);
  };
  const first = await measure({
    'first run, without the flag history (baseline)': run(false),
    'first run, with the flag history': run(true),
  }, resetFlags, { repeat: REPEAT, alternate: true });
  const rerun = await measure({
    're-run (nothing to change), without the flag history (baseline)': run(false),
    're-run, with the flag history': run(true),
  }, async () => {}, { repeat: REPEAT, alternate: true });
  const walOf = async (flagHistory: boolean) => {
    await resetFlags();
    const before = (await pool.query(`SELECT pg_current_wal_insert_lsn() AS lsn`)).rows[0].lsn;
    await run(flagHistory)();
    return Number((await pool.query(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1) AS bytes`, [before])).rows[0].bytes);
  };
  const wal = { without: await walOf(false), with: await walOf(true) };
  const history = (await pool.query(`SELECT count(*)::int AS n, pg_total_relation_size('conflag.flag_history') AS bytes FROM conflag.flag_history`)).rows[0];

  console.log(`\n${ROWS} recordings; median of ${REPEAT}, interleaved; PostgreSQL ${(await pool.query('SHOW server_version')).rows[0].server_version}, ${os.cpus().length} cores (shared)\n`);
  printRatioTables([['Flag history: first run', first], ['Flag history: re-run', rerun]]);
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  console.log(`WAL of a first run: ${mb(wal.without)} MB without the flag history, ${mb(wal.with)} MB with it (${(wal.with / wal.without).toFixed(2)}×); ` +
    `flag_history after it: ${history.n} rows, ${mb(Number(history.bytes))} MB with its indexes`);
} finally {
  await pool.end();
  await stop();
}
