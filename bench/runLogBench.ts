// What a job's detailed run log (log_enabled, conflag.job_run_log) costs a run: the same job run with
// log_enabled false (baseline) and true, interleaved in one process on the same data, first runs (flags reset)
// and re-runs (nothing to change), at the default batch size and at small batches (more entries per run).
//   node bench/runLogBench.ts                 (embedded PostgreSQL in a temp folder; BENCH_ROWS, default 1 000 000)
//   DATABASE_URL=... node bench/runLogBench.ts   (a database where we may create one: bench_conflag_run_log)
// Prints markdown tables for bench/README.md. Keep BENCH_ROWS <= 1-2M on shared machines.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, startEmbeddedPostgres } from '../src/db/embeddedPostgres.ts';
import { migrate } from '../src/db/migrate.ts';
import { executeRun } from '../src/run/executeRun.ts';
import { insertDemoRecordings } from '../src/sql/insertDemoRecordings.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
// About 1 % of demo recordings last longer than 4 hours (the same condition as bench/runBench.ts).
const CONDITION = { all: [{ fact: 'duration', operator: 'greaterThan', value: 14400 }] };

const { url, stop } = await openDatabase();
const pool = new pg.Pool({ connectionString: url, max: 3 });
try {
  await migrate(url);
  console.error(`loading ${ROWS} recordings ...`);
  const client = await pool.connect();
  try {
    for (let done = 0; done < ROWS; done += 250_000) await insertDemoRecordings(client, Math.min(250_000, ROWS - done), 0.42);
    await client.query(`TRUNCATE conflag.recording_changes`);
    await client.query(`VACUUM ANALYZE conflag.recordings`);
  } finally {
    client.release();
  }
  const job = async (name: string, logEnabled: boolean) =>
    (await pool.query(`INSERT INTO conflag.jobs (name, condition, action, log_enabled) VALUES ($1, $2::jsonb, 'set', $3) RETURNING id::text`,
      [name, JSON.stringify(CONDITION), logEnabled])).rows[0].id as string;
  const quiet = await job('bench no log', false);
  const logged = await job('bench log', true);
  const run = (jobId: string, batchSize: number) => async () => {
    const result = await executeRun(pool, jobId, { trigger: 'manual', batchSize });
    if (result.status !== 'succeeded') throw new Error(`bench run ${result.status}: ${result.error}`);
  };
  const resetFlags = async () => {
    await pool.query(`UPDATE conflag.recordings SET confidential = false, confidential_changed_at = NULL, confidential_changed_by_run = NULL WHERE confidential`);
    await pool.query(`VACUUM conflag.recordings`);
  };
  const tables: [string, Record<string, number>][] = [];
  for (const batchSize of [100_000, 10_000]) {
    const size = batchSize.toLocaleString('en').replaceAll(',', ' ');
    tables.push([`First run (flags all false), batches of ${size} ids`, await measure({
      'log_enabled = false (baseline)': run(quiet, batchSize),
      'log_enabled = true': run(logged, batchSize),
    }, resetFlags)]);
    tables.push([`Re-run (nothing to change), batches of ${size} ids`, await measure({
      'log_enabled = false (baseline)': run(quiet, batchSize),
      'log_enabled = true': run(logged, batchSize),
    }, async () => {})]);
  }
  const entries = (await pool.query(`SELECT count(*)::int AS n, pg_size_pretty(pg_total_relation_size('conflag.job_run_log')) AS size FROM conflag.job_run_log`)).rows[0];
  console.log(`\n${ROWS} recordings; median of ${REPEAT}, interleaved; PostgreSQL ${(await pool.query('SHOW server_version')).rows[0].server_version}, ${os.cpus().length} cores (shared); job_run_log after the bench: ${entries.n} entries, ${entries.size}\n`);
  for (const [title, table] of tables) {
    console.log(`### ${title}\n\n| variant | median s | ratio |\n|---|---:|---:|`);
    const base = Object.values(table)[0];
    for (const [name, seconds] of Object.entries(table)) console.log(`| ${name} | ${seconds.toFixed(3)} | ${(seconds / base).toFixed(2)}× |`);
    console.log('');
  }
} finally {
  await pool.end();
  await stop();
}

async function measure(variants: Record<string, () => Promise<unknown>>, before: () => Promise<void>): Promise<Record<string, number>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let i = 0; i < REPEAT; i++) {
    // Alternate which variant goes first, so neither always runs on a warmer cache.
    const order = i % 2 ? Object.entries(variants).reverse() : Object.entries(variants);
    for (const [name, fn] of order) {
      await before();
      const t = performance.now();
      await fn();
      times[name].push((performance.now() - t) / 1000);
      console.error(`  ${name}: ${times[name].at(-1)!.toFixed(3)} s`);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.sort((a, b) => a - b)[Math.floor(v.length / 2)]]));
}

async function openDatabase(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS bench_conflag_run_log');
    await admin.query('CREATE DATABASE bench_conflag_run_log');
    await admin.end();
    const parsed = new URL(process.env.DATABASE_URL);
    parsed.pathname = '/bench_conflag_run_log';
    return { url: parsed.toString(), stop: async () => {} };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conflag-bench-'));
  fs.chmodSync(dir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: dir, port: await freePort() });
  return { url: server.url, stop: async () => { await server.stop(); fs.rmSync(dir, { recursive: true, force: true }); } };
}
