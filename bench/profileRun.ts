// Where a conflag run's time goes against the hand-written UPDATE, for docs/performance.md "Where the time
// goes": statement-by-statement profiles of real runs (full, incremental after a +25 % bulk load and after
// 10 000 new recordings, and the small incremental run a runner does every minute), the plans of one conflag
// batch and of the hand-written statements with EXPLAIN (ANALYZE, BUFFERS, WAL), and WAL by record type.
// Nothing in the executor is changed or stubbed: the profile comes from the pool's clients, the plans from
// auto_explain. Markdown on stdout.
//   npm run bench:profile -- --rows 5000000       (embedded PostgreSQL, or DATABASE_URL's server)
// Options as `npm run bench` (--rows, --match, --partitioned, --database; default database bench_conflag_profile),
// and --sections full,trigger,plans,bulk,small (default all).
import pg from 'pg';
import { sql } from 'kysely';
import { migrate } from '../src/db/migrate.ts';
import { executeRun } from '../src/run/executeRun.ts';
import { addDemoRecordings, benchPool, openBenchDatabase } from './lib/benchDatabase.ts';
import { clearFlags, maxRecordingId, prepareBench, type BenchContext } from './lib/benchContext.ts';
import { readBenchOptions } from './lib/benchOptions.ts';
import { currentLsn, explainingPool, explainRolledBack, planOf, walByRecordType, type WalByRecordType } from './lib/explainPlans.ts';
import { blockRange, handStatement, idRange, oneUpdate, RECORDINGS } from './lib/handUpdates.ts';
import { backendCpuSeconds, dataDirectory } from './lib/cpuSampler.ts';
import { profiledPool, profileTable, StatementProfile } from './lib/statementProfile.ts';

const SECTIONS = { full: fullRunSection, trigger: triggerSection, plans: planSection, bulk: bulkSection, small: smallRunsSection };
const { sections, rest } = readSections(process.argv.slice(2));
const options = readBenchOptions(rest.includes('--database') ? rest : [...rest, '--database', 'bench_conflag_profile']);
const progress = (line: string) => console.error(line);
const { url, stop } = await openBenchDatabase(options.database);
const pool = benchPool(url, 6);
const profile = new StatementProfile();
const profiled = profiledPool(url, profile);
const plans: string[] = [];
const explaining = explainingPool(url, plans);
try {
  await migrate(url);
  const ctx = await prepareBench(pool, url, options, progress);
  console.log(`# Where a run's time goes: ${options.rows.toLocaleString('en')} recordings, ${ctx.matching} matching\n`);
  console.log(`${(await pool.query('SELECT version() AS v')).rows[0].v}\n`);
  for (const section of sections) await SECTIONS[section](ctx);
} finally {
  await Promise.all([profiled.end(), explaining.end(), pool.end()]);
  await stop();
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

/**
 * A conflag run on the profiled pool (default settings unless `parallelism` is given): its profile table and what
 * its statements other than the batches cost per batch.
 */
async function profiledRun(title: string, jobId: string, parallelism?: number): Promise<void> {
  profile.take();
  const { result, ms } = await timed(() => executeRun(profiled, jobId, { trigger: 'manual', ...(parallelism ? { parallelism } : {}) }));
  if (result.status !== 'succeeded') throw new Error(`profiled run ${result.status}: ${result.error}`);
  const lines = profile.take();
  const all = lines.reduce((n, l) => n + l.ms, 0);
  const batchMs = lines.find((l) => l.label === 'applyBatch')?.ms ?? 0;
  console.log(`### ${title}: ${ms.toFixed(0)} ms, ${result.batches} batches, scan ${result.scan}, ${result.changed} changed\n`);
  console.log(profileTable(lines, ms));
  console.log(`\nStatements other than the batches: ${(all - batchMs).toFixed(0)} ms of statement time ` +
    `(${((all - batchMs) / Math.max(1, result.batches)).toFixed(1)} ms per batch).\n`);
}

function walTable(title: string, rows: WalByRecordType[] | undefined, changed: number): void {
  if (!rows) return void console.log(`(${title}: pg_walinspect is not available on this server)\n`);
  const total = rows.reduce((n, r) => n + r.recordBytes + r.fullPageImageBytes, 0);
  console.log(`#### WAL of ${title}: ${(total / 1e6).toFixed(1)} MB, ${(total / Math.max(1, changed)).toFixed(0)} bytes per changed recording\n`);
  console.log('| record type | records | record bytes | full-page image bytes |\n|---|---:|---:|---:|');
  for (const r of rows.slice(0, 8)) console.log(`| ${r.type} | ${r.records} | ${r.recordBytes} | ${r.fullPageImageBytes} |`);
  console.log('');
}

async function fullRunSection(ctx: BenchContext): Promise<void> {
  console.log('## A full first run against the hand-written UPDATE\n');
  await clearFlags(pool);
  let from = await currentLsn(pool);
  const hand = await timed(() => oneUpdate({ pool, predicate: ctx.predicate }));
  walTable('the hand-written UPDATE', await walByRecordType(pool, from, await currentLsn(pool)), hand.result);
  console.log(`The hand-written guarded UPDATE: ${hand.ms.toFixed(0)} ms, ${hand.result} changed.\n`);
  await clearFlags(pool);
  from = await currentLsn(pool);
  await profiledRun('conflag full run (first run, flags all false)', ctx.fullJob.id);
  walTable('the conflag run', await walByRecordType(pool, from, await currentLsn(pool)), hand.result);
  await clearFlags(pool);
  await profiledRun('conflag full run on one connection (first run, parallelism 1)', ctx.fullJob.id, 1);
  await profiledRun('conflag re-run (nothing to change)', ctx.fullJob.id);
}

/**
 * The change-log trigger conflag_log_updates is BEFORE UPDATE OF <every column but confidential*>: it never fires
 * for a flag update, but PostgreSQL locks each row before any BEFORE UPDATE row trigger (ExecBRUpdateTriggers
 * locks the old row first, then asks each trigger whether it applies — even a disabled one), which writes one
 * Heap/LOCK record per updated row. Measured against the same UPDATE without the trigger: DROP TRIGGER inside a
 * transaction that is rolled back, both ways, so the table keeps its trigger and the data stays as it was.
 */
async function triggerSection(ctx: BenchContext): Promise<void> {
  console.log('## What the change-log trigger adds to every UPDATE of recordings (hand-written or conflag)\n');
  console.log('| conflag_log_updates | round | UPDATE ms | WAL bytes | Heap/LOCK records |\n|---|---:|---:|---:|---:|');
  const update = handStatement(RECORDINGS, sql`true`, ctx.predicate);
  for (let round = 1; round <= 3; round++) {
    for (const installed of round % 2 ? [true, false] : [false, true]) {
      await clearFlags(pool);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        if (!installed) await client.query('DROP TRIGGER conflag_log_updates ON conflag.recordings');
        const from = (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
        const { ms } = await timed(() => client.query(update.sql, update.parameters));
        const to = (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
        const wal = await walByRecordType(pool, from, to);
        const bytes = (await client.query<{ n: string }>('SELECT pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn)::bigint::text AS n', [from, to])).rows[0].n;
        const locks = wal ? (wal.find((w) => w.type === 'Heap/LOCK')?.records ?? 0) : 'n/a';
        console.log(`| ${installed ? 'installed' : 'dropped'} | ${round} | ${ms.toFixed(0)} | ${bytes} | ${locks} |`);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    }
  }
  console.log('\n(Each UPDATE in a transaction that is rolled back: no commit, so no wait for the WAL flush, either way.)\n');
}

async function planSection(ctx: BenchContext): Promise<void> {
  console.log('## One batch: conflag against the same rows written by hand\n');
  await clearFlags(pool);
  plans.length = 0;
  const run = await executeRun(explaining, ctx.fullJob.id, { trigger: 'manual' });
  if (run.status !== 'succeeded') throw new Error(`explained run ${run.status}: ${run.error}`);
  // The run's third batch (the first ones are small while the batch size finds its one-second target).
  const batch = planOf(plans, /WITH m AS MATERIALIZED/, 2);
  console.log('### conflag batch 3 (src/sql/applyBatch.ts), auto_explain\n\n```\n' + batch + '\n```\n');
  console.log('### its progress row (src/sql/recordBatchProgress.ts)\n\n```\n' + planOf(plans, /UPDATE conflag\.job_runs\s+SET batches/, 2) + '\n```\n');
  if (options.partitioned) return void console.log('(--partitioned: the hand-written comparisons of one batch need a plain table; skipped)\n');
  const blocks = /ctid >= '\((\d+),0\)'::tid\) AND \(r\.ctid < '\((\d+),0\)'::tid/.exec(batch) ?? /ctid >= '\((\d+),0\)'::tid\) AND \(ctid < '\((\d+),0\)'::tid/.exec(batch);
  if (!blocks) throw new Error('the batch plan names no block range (TID Cond): has the batch statement changed?');
  const [from, to] = [Number(blocks[1]), Number(blocks[2])];
  await clearFlags(pool);
  const ids = (await pool.query<{ min: string; max: string }>(
    `SELECT min(id)::text AS min, max(id)::text AS max FROM conflag.recordings WHERE ctid >= $1::tid AND ctid < $2::tid`,
    [`(${from},0)`, `(${to},0)`])).rows[0];
  const explain = async (title: string, statement: { sql: string; parameters: unknown[] }) =>
    console.log(`### ${title}\n\n\`\`\`\n${await explainRolledBack(pool, statement)}\n\`\`\`\n`);
  await explain(`The same blocks by hand (${to - from} blocks from ${from}, TID Range Scan)`, handStatement(RECORDINGS, blockRange(from, to), ctx.predicate));
  await explain(`The same rows by id by hand (ids ${ids.min} to ${ids.max}, keyset)`, handStatement(RECORDINGS, idRange(Number(ids.min) - 1, Number(ids.max)), ctx.predicate));
  await explain('The whole hand-written UPDATE', handStatement(RECORDINGS, sql`true`, ctx.predicate));
}

async function bulkSection(ctx: BenchContext): Promise<void> {
  console.log('## Incremental after a bulk load of +25 % rows, against a full run\n');
  const job = async (name: string) => (await pool.query<{ id: string }>(
    `INSERT INTO conflag.jobs (name, condition, action, mode) VALUES ($1, $2::jsonb, 'set', 'incremental') RETURNING id::text`,
    [name, JSON.stringify(ctx.condition)])).rows[0].id;
  const [timedJob, explainedJob] = [await job('profile incremental'), await job('profile incremental explained')];
  for (const id of [ctx.fullJob.id, timedJob, explainedJob]) await executeRun(pool, id, { trigger: 'manual' });
  const before = await maxRecordingId(pool);
  progress(`loading ${Math.round(options.rows / 4)} recordings ...`);
  await addDemoRecordings(pool, Math.round(options.rows / 4), 0.2);
  await pool.query('VACUUM ANALYZE conflag.recordings');
  await clearFlags(pool, before);
  await profiledRun('conflag incremental run after the bulk load', timedJob);
  await clearFlags(pool, before);
  await profiledRun('conflag full run after the bulk load', ctx.fullJob.id);
  await clearFlags(pool, before);
  plans.length = 0;
  const explained = await executeRun(explaining, explainedJob, { trigger: 'manual' });
  console.log(`### The same incremental run, explained (auto_explain): scan ${explained.scan}, ${explained.batches} batches\n`);
  console.log('Its count of the change log (src/sql/prepareScan.ts; more than 5 % of the table: the run reads the table):\n\n```\n' +
    planOf(plans, /SELECT count\(\*\)::int AS n FROM \(SELECT 1 FROM conflag\.recording_changes/) + '\n```\n');
  console.log('Its batch 3 (src/sql/applyBatch.ts):\n\n```\n' + planOf(plans, /WITH m AS MATERIALIZED/, 2) + '\n```\n');
  await pool.query('DELETE FROM conflag.recordings WHERE id > $1::bigint', [before]);
  await pool.query('VACUUM ANALYZE conflag.recordings');
  await executeRun(pool, timedJob, { trigger: 'manual' });
}

async function smallRunsSection(ctx: BenchContext): Promise<void> {
  console.log('## Small incremental runs\n');
  await executeRun(pool, ctx.incrementalJob.id, { trigger: 'manual' }); // its first run goes through the table
  const before = await maxRecordingId(pool);
  await addDemoRecordings(pool, 10_000, 0.3);
  await clearFlags(pool, before);
  await profiledRun('conflag incremental run after 10 000 new recordings', ctx.incrementalJob.id);
  // The same again through auto_explain: the plan of its one batch, which reads the change log.
  const again = await maxRecordingId(pool);
  await addDemoRecordings(pool, 10_000, 0.35);
  await clearFlags(pool, again);
  plans.length = 0;
  const explained = await executeRun(explaining, ctx.incrementalJob.id, { trigger: 'manual' });
  console.log(`### The same run after another 10 000, explained (auto_explain): scan ${explained.scan}, ${explained.batches} batch(es), ${explained.changed} changed\n`);
  console.log('Its batch (src/sql/applyBatch.ts):\n\n```\n' + planOf(plans, /WITH m AS MATERIALIZED/) + '\n```\n');
  // What a runner's every-minute run of an incremental job costs when little changed: 20 runs after 10 inserts each.
  const backendsBefore = await backendCpu(profiled);
  profile.take();
  const times: number[] = [];
  const nodeBefore = process.cpuUsage();
  for (let i = 0; i < 20; i++) {
    await addDemoRecordings(pool, 10, 0.4 + i / 100);
    times.push((await timed(() => executeRun(profiled, ctx.incrementalJob.id, { trigger: 'manual' }))).ms);
  }
  const node = process.cpuUsage(nodeBefore);
  const lines = profile.take().map((l) => ({ ...l, calls: l.calls / 20, ms: l.ms / 20 }));
  const backendsAfter = await backendCpu(profiled);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const database = backendsAfter === null || backendsBefore === null ? 'n/a (the server is not on this machine)' : `${((1000 * (backendsAfter - backendsBefore)) / 20).toFixed(1)} ms`;
  console.log(`### One of 20 small incremental runs (10 new recordings each): mean ${mean.toFixed(1)} ms\n`);
  console.log(`CPU per run: database backend ${database}, this Node process ${((node.user + node.system) / 1000 / 20).toFixed(1)} ms ` +
    '(including the 10 inserts before each run).\n');
  console.log(profileTable(lines, mean) + '\n');
}

/** CPU seconds of the backends behind the pool's connections (all idle now), or null when not on this machine. */
async function backendCpu(target: pg.Pool): Promise<number | null> {
  const clients = await Promise.all(Array.from({ length: Math.max(1, target.totalCount) }, () => target.connect()));
  try {
    const pids = await Promise.all(clients.map(async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid));
    const dataDir = await dataDirectory(target);
    const seconds = pids.map((pid) => backendCpuSeconds(pid, dataDir));
    return seconds.every((s) => s !== null) ? seconds.reduce((a, b) => a! + b!, 0) : null;
  } finally {
    for (const c of clients) c.release();
  }
}

/** --sections a,b (default all, in order): which parts to run; everything else goes to readBenchOptions. */
function readSections(argv: string[]): { sections: (keyof typeof SECTIONS)[]; rest: string[] } {
  const at = argv.indexOf('--sections');
  if (at < 0) return { sections: Object.keys(SECTIONS) as (keyof typeof SECTIONS)[], rest: argv };
  const names = (argv[at + 1] ?? '').split(',').filter(Boolean);
  const unknown = names.filter((n) => !(n in SECTIONS));
  if (!names.length || unknown.length) {
    throw new Error(`--sections ${JSON.stringify(argv[at + 1] ?? '')} is not valid: use a comma-separated list of ${Object.keys(SECTIONS).join(', ')}`);
  }
  return { sections: names as (keyof typeof SECTIONS)[], rest: [...argv.slice(0, at), ...argv.slice(at + 2)] };
}
