// Executor benchmark: what batching costs against ONE plain guarded UPDATE on the same data, what a re-run costs,
// what an incremental run costs against a full one, and what the change-log triggers add to inserts.
//   node bench/runBench.ts            (embedded PostgreSQL in a temp folder; BENCH_ROWS, default 1 000 000)
//   DATABASE_URL=... node bench/runBench.ts   (a database where we may create one: bench_conflag_runs)
// Variants run interleaved, REPEAT times each; medians and ratios are printed as a markdown table for
// bench/README.md. Keep BENCH_ROWS <= 1-2M on shared machines.
import os from 'node:os';
import pg from 'pg';
import { sql } from 'kysely';
import { loadCatalog } from '../src/condition/loadCatalog.ts';
import { recordingsOfJob } from '../src/condition/recordingsOfJob.ts';
import { compileSql } from '../src/db/kysely.ts';
import { migrate } from '../src/db/migrate.ts';
import { loadDemoRecordings, measure, openBenchDatabase } from './lib/benchDatabase.ts';
import { executeRun } from '../src/run/executeRun.ts';
import { insertDemoRecordings } from '../src/sql/insertDemoRecordings.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
// About 1 % of demo recordings last longer than 4 hours.
const CONDITION = { all: [{ fact: 'duration', operator: 'greaterThan', value: 14400 }] };

const { url, stop } = await openBenchDatabase('bench_conflag_runs');
const pool = new pg.Pool({ connectionString: url, max: 3 });
try {
  await migrate(url);
  console.error(`loading ${ROWS} recordings ...`);
  await loadDemoRecordings(pool, ROWS);
  const jobId = (await pool.query(`INSERT INTO conflag.jobs (name, condition, action) VALUES ('bench', $1::jsonb, 'set') RETURNING id`, [JSON.stringify(CONDITION)])).rows[0].id;
  const catalog = await loadCatalog(pool);
  const predicate = recordingsOfJob({ access_scope: null, condition: CONDITION }, catalog, { timezone: 'UTC', asOf: new Date() });
  const count = compileSql(sql`SELECT count(*) AS n FROM conflag.recordings r WHERE ${predicate}`);
  const matching = Number((await pool.query(count.sql, count.parameters)).rows[0].n);
  console.error(`${matching} matching (${((100 * matching) / ROWS).toFixed(2)} %)`);

  const plainUpdate = compileSql(sql`UPDATE conflag.recordings r SET confidential = true, confidential_changed_at = now(), confidential_changed_by_run = 0
                                      WHERE ${predicate} AND r.confidential IS DISTINCT FROM true`);
  const variants: Record<string, () => Promise<unknown>> = {
    'one plain guarded UPDATE (baseline)': () => pool.query(plainUpdate.sql, plainUpdate.parameters),
    'executeRun, 1 connection': () => run(1),
    'executeRun, 2 connections (default)': () => run(2),
    'executeRun, 2 connections, without the flag history': () => run(2, false),
    'plain keyset range UPDATE, 100 000 ids, no matched count': () => rangeUpdates(100_000),
    'select 10 000 matching ids, then UPDATE by id': () => selectThenUpdate(10_000),
  };
  async function run(parallelism: number, flagHistory = true) {
    const result = await executeRun(pool, jobId, { trigger: 'manual', parallelism, flagHistory });
    if (result.status !== 'succeeded') throw new Error(`bench run ${result.status}: ${result.error}`);
  }
  async function rangeUpdates(size: number) {
    const max = Number((await pool.query(`SELECT max(id) AS m FROM conflag.recordings`)).rows[0].m);
    for (let lo = 0; lo < max; lo += size) {
      const q = compileSql(sql`UPDATE conflag.recordings r SET confidential = true, confidential_changed_at = now(), confidential_changed_by_run = 0
                               WHERE r.id > ${lo} AND r.id <= ${lo + size} AND ${predicate} AND r.confidential IS DISTINCT FROM true`);
      await pool.query(q.sql, q.parameters);
    }
  }
  async function selectThenUpdate(size: number) {
    let last = 0;
    for (;;) {
      const pick = compileSql(sql`SELECT array_agg(id) AS ids, max(id) AS last FROM (
                                    SELECT r.id FROM conflag.recordings r WHERE r.id > ${last} AND ${predicate} AND r.confidential IS DISTINCT FROM true
                                     ORDER BY r.id LIMIT ${size}) s`);
      const { rows } = await pool.query(pick.sql, pick.parameters);
      if (!rows[0].ids) break;
      const q = compileSql(sql`UPDATE conflag.recordings r SET confidential = true, confidential_changed_at = now(), confidential_changed_by_run = 0
                               WHERE r.id = ANY (${rows[0].ids}::bigint[]) AND ${predicate} AND r.confidential IS DISTINCT FROM true`);
      await pool.query(q.sql, q.parameters);
      last = Number(rows[0].last);
    }
  }
  const resetFlags = async () => {
    await pool.query(`UPDATE conflag.recordings SET confidential = false, confidential_changed_at = NULL, confidential_changed_by_run = NULL WHERE confidential`);
    await pool.query(`TRUNCATE conflag.flag_history`);
    await pool.query(`VACUUM conflag.recordings`);
  };

  const first = await measure(variants, resetFlags, { repeat: REPEAT });
  // Re-runs: everything already flagged, nothing to write.
  const rerun = await measure({
    'one plain guarded UPDATE, nothing to change (baseline)': variants['one plain guarded UPDATE (baseline)'],
    'executeRun re-run, 1 connection': () => run(1),
    'executeRun re-run, 2 connections (default)': () => run(2),
    'executeRun re-run, 2 connections, without the flag history': () => run(2, false),
  }, async () => {}, { repeat: REPEAT });

  // What the flag history writes: WAL of a first run with and without it (bytes do not depend on the machine's load).
  const walOf = async (flagHistory: boolean) => {
    await resetFlags();
    const before = (await pool.query(`SELECT pg_current_wal_insert_lsn() AS lsn`)).rows[0].lsn;
    await run(2, flagHistory);
    return Number((await pool.query(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1) AS bytes`, [before])).rows[0].bytes);
  };
  const wal = { without: await walOf(false), with: await walOf(true) };
  const historySize = Number((await pool.query(`SELECT pg_total_relation_size('conflag.flag_history') AS bytes`)).rows[0].bytes);
  console.error(`  flag history WAL: ${wal.without} bytes without, ${wal.with} bytes with; history ${historySize} bytes`);

  // Incremental: the cost of a run after adding 10 000 recordings, against a full run.
  const inc = (await pool.query(`INSERT INTO conflag.jobs (name, condition, action, mode) VALUES ('bench inc', $1::jsonb, 'set', 'incremental') RETURNING id`, [JSON.stringify(CONDITION)])).rows[0].id;
  await executeRun(pool, inc, { trigger: 'manual' });
  const incremental = await measure({
    'full run after 10 000 new recordings (baseline)': async () => { await executeRun(pool, jobId, { trigger: 'manual' }); },
    'incremental run after 10 000 new recordings': async () => {
      const r = await executeRun(pool, inc, { trigger: 'manual' });
      if (r.scan !== 'changes') throw new Error('expected an incremental run over the change log');
    },
  }, async () => {
    const client = await pool.connect();
    try { await insertDemoRecordings(client, 10_000, 0.1); } finally { client.release(); }
  }, { repeat: REPEAT });

  // Insert overhead of the change-log triggers: ours (statement level, transition table), none, and for
  // comparison the obvious alternative, a row-level AFTER INSERT trigger doing the same insert per row.
  await pool.query(`CREATE FUNCTION public.bench_log_row() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN INSERT INTO conflag.recording_changes (xid, recording_key) VALUES (pg_current_xact_id(), jsonb_build_array(NEW.id)); RETURN NULL; END $$`);
  await pool.query(`CREATE TRIGGER bench_log_row AFTER INSERT ON conflag.recordings FOR EACH ROW EXECUTE FUNCTION public.bench_log_row()`);
  const setTriggers = async (mode: 'none' | 'statement' | 'row') => {
    await pool.query(`ALTER TABLE conflag.recordings ${mode === 'statement' ? 'ENABLE' : 'DISABLE'} TRIGGER conflag_log_inserts`);
    await pool.query(`ALTER TABLE conflag.recordings ${mode === 'row' ? 'ENABLE' : 'DISABLE'} TRIGGER bench_log_row`);
  };
  // Cheap rows (no random data generation), so the trigger's share is not hidden: the worst case.
  const bulk = (mode: 'none' | 'statement' | 'row') => async () => {
    await setTriggers(mode);
    await pool.query(`INSERT INTO conflag.recordings (tenant_id, call_id, started_at, duration, tags)
                      SELECT 'default', 'bulk-' || g, now(), 60, '{vip}' FROM generate_series(1, 100000) g`);
  };
  const single = (mode: 'none' | 'statement') => async () => {
    await setTriggers(mode);
    for (let i = 0; i < 2000; i++) {
      await pool.query(`INSERT INTO conflag.recordings (tenant_id, call_id, started_at, duration, tags) VALUES ('default', $1, now(), 60, '{vip}')`, [`single-${i}`]);
    }
  };
  const insertRepeat = Math.max(REPEAT, 7);
  const inserts = await measure({
    'INSERT ... SELECT of 100 000 recordings, no trigger (baseline)': bulk('none'),
    'INSERT ... SELECT of 100 000 recordings, conflag\'s statement-level trigger': bulk('statement'),
    'INSERT ... SELECT of 100 000 recordings, a row-level trigger instead (not used)': bulk('row'),
  }, async () => {}, { repeat: insertRepeat });
  const singles = await measure({
    '2 000 single-row INSERTs (autocommit), no trigger (baseline)': single('none'),
    '2 000 single-row INSERTs (autocommit), conflag\'s trigger': single('statement'),
  }, async () => {}, { repeat: insertRepeat });
  await setTriggers('statement');
  await pool.query(`DROP TRIGGER bench_log_row ON conflag.recordings; DROP FUNCTION public.bench_log_row()`);

  console.log(`\n${ROWS} recordings, ${matching} matching (${((100 * matching) / ROWS).toFixed(2)} %); median of ${REPEAT} (inserts: ${insertRepeat}), interleaved; PostgreSQL ${(await pool.query('SHOW server_version')).rows[0].server_version}, ${os.cpus().length} cores (shared)\n`);
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  console.log(`### Flag history: WAL of a first run (2 connections)\n\n| variant | WAL MB | ratio |\n|---|---:|---:|`);
  console.log(`| without the flag history (baseline) | ${mb(wal.without)} | 1.00× |\n| with the flag history | ${mb(wal.with)} | ${(wal.with / wal.without).toFixed(2)}× |`);
  console.log(`\nflag_history after that run: ${mb(historySize)} MB with its indexes (${matching} rows)\n`);
  for (const [title, table] of [['First run (flags all false)', first], ['Re-run (nothing to change)', rerun], ['Incremental', incremental],
    ['Change-log trigger: bulk insert', inserts], ['Change-log trigger: single-row inserts', singles]] as const) {
    console.log(`### ${title}\n\n| variant | median s | ratio |\n|---|---:|---:|`);
    const base = Object.values(table)[0];
    for (const [name, seconds] of Object.entries(table)) console.log(`| ${name} | ${seconds.toFixed(2)} | ${(seconds / base).toFixed(2)}× |`);
    console.log('');
  }
} finally {
  await pool.end();
  await stop();
}
