// The detailed run log (conflag.job_run_log) of jobs with log_enabled: the start with the settings and the
// compiled SQL and parameters (as `conflag explain --json` shows them), the scan plan and why, one entry per
// committed batch, the end; nothing at all without log_enabled; a batch that rolls back leaves no entry of its
// own but an error entry; pruning removes the log with its run; who may read and write it; the CLI's hints.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { main } from '../../src/cli/main.ts';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { dropMemberLogins, memberOf } from '../lib/loginRole.ts';
import { suite } from '../lib/suite.ts';
import { confidentialIds, insertJob, insertRecordings, liveRun, longCalls, rejection, resetRunData, runRow, tableBlocks, type JobInput } from './fixtures.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'conflag.js');
const test = suite('run: detailed run log');
test.after(async () => {
  await closePools();
  await dropMemberLogins();
});
test.before.each(() => resetRunData(openPool()));

interface Entry {
  id: string;
  level: string;
  event: string;
  message: string;
  details: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function entries(db: pg.Pool, runId: string): Promise<Entry[]> {
  const { rows } = await db.query<Entry>(
    `SELECT id::text, level, event, message, details FROM conflag.job_run_log WHERE run_id = $1::bigint ORDER BY id`, [runId]);
  return rows;
}

async function loggedJob(db: pg.Pool, job: JobInput): Promise<string> {
  const id = await insertJob(db, job);
  await db.query(`UPDATE conflag.jobs SET log_enabled = true WHERE id = $1::bigint`, [id]);
  return id;
}

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const stdout = { write: (c: string) => ((out += c), true), isTTY: false } as unknown as NodeJS.WritableStream;
  const stderr = { write: (c: string) => ((err += c), true) } as unknown as NodeJS.WritableStream;
  const code = await main(args, { stdout, stderr });
  return { code, stdout: out, stderr: err };
}

test('a successful run logs its start (settings, SQL and parameters as explain shows them), scan, each batch and its end', async () => {
  const pool = openPool();
  await insertRecordings(pool, 25, { duration: (i) => (i % 5 === 0 ? 9000 : 60), perBlock: 10 });
  const jobId = await loggedJob(pool, { name: 'Logged long calls', condition: longCalls, timezone: 'Europe/Berlin' });
  const result = await executeRun(pool, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 1 });
  assert.is(result.status, 'succeeded', result.error);
  const log = await entries(pool, result.runId);
  assert.equal(log.map((e) => e.event), ['run_started', 'scan_planned', 'batch', 'batch', 'batch', 'run_finished']);
  assert.ok(log.every((e) => e.level === 'info'));

  const run = await runRow(pool, result.runId);
  const start = log[0].details;
  assert.equal(
    { mode: start.mode, action: start.action, access_scope: start.access_scope, timezone: start.timezone, as_of: start.as_of, table: start.table, parallelism: start.parallelism, batch_units: start.batch_units, trigger: start.trigger, condition: start.condition },
    { mode: 'full', action: 'set', access_scope: null, timezone: 'Europe/Berlin', as_of: run.as_of.toISOString(), table: 'conflag.recordings', parallelism: 1, batch_units: 1, trigger: 'manual', condition: longCalls },
  );
  // The same predicate and parameters `conflag explain --json` prints for that instant.
  const explained = await cli(['explain', jobId, '--json', '--as-of', run.as_of.toISOString()]);
  assert.is(explained.code, 0, explained.stderr);
  const explain = JSON.parse(explained.stdout);
  assert.is(start.predicate, explain.predicate);
  assert.equal(start.parameters, explain.parameters);
  assert.ok(start.parameters.length > 0);
  assert.match(log[0].message, /^run started \(manual, attempt 1\): set confidential, full mode, scope all tenants, timezone Europe\/Berlin, as of .*, table conflag\.recordings, 1 connection \(run option\), fixed batches of 1 \(blocks of the table, or incremental candidates\)$/);

  assert.equal(
    { scan: log[1].details.scan, reason: log[1].details.reason, units: log[1].details.units, heaps: log[1].details.heaps },
    { scan: 'table', reason: 'full_mode', units: 3, heaps: [{ name: 'conflag.recordings', blocks: 3 }] },
  );
  const batches = log.filter((e) => e.event === 'batch').map((e) => e.details);
  assert.equal(batches.map((b) => [b.batch, b.heap, b.from_block, b.to_block, b.matched, b.changed, b.skipped]), [
    [1, 'conflag.recordings', 0, 1, 2, 2, 0], [2, 'conflag.recordings', 1, 2, 2, 2, 0], [3, 'conflag.recordings', 2, 3, 1, 1, 0],
  ]);
  assert.ok(batches.every((b) => Number.isInteger(b.duration_ms) && b.duration_ms >= 0));
  const end = log[5].details;
  assert.equal({ status: end.status, batches: end.batches, matched: end.matched, changed: end.changed, skipped: end.skipped, error: end.error, sqlstate: end.sqlstate },
    { status: 'succeeded', batches: run.batches, matched: run.matched, changed: run.changed, skipped: run.skipped, error: null, sqlstate: null });

  // The view names the job; its entries are the table's.
  const view = await pool.query(`SELECT job_id::text, job_name, run_status, event FROM conflag.job_run_log_view WHERE run_id = $1 ORDER BY id`, [result.runId]);
  assert.equal(view.rows.map((r) => r.event), log.map((e) => e.event));
  assert.equal(view.rows[0], { job_id: jobId, job_name: 'Logged long calls', run_status: 'succeeded', event: 'run_started' });
});

test('the scan plan says why: incremental over the change log, or the whole table and why', async () => {
  const pool = openPool();
  await insertRecordings(pool, 12, { duration: () => 9000 });
  const jobId = await loggedJob(pool, { name: 'inc', condition: longCalls, mode: 'incremental' });
  const first = await executeRun(pool, jobId, { trigger: 'schedule' });
  await insertRecordings(pool, 3, { duration: () => 9000 });
  const second = await executeRun(pool, jobId, { trigger: 'schedule' });
  assert.is(second.scan, 'changes');
  const plan = async (runId: string) => (await entries(pool, runId)).find((e) => e.event === 'scan_planned')!;
  const a = await plan(first.runId);
  assert.equal({ scan: a.details.scan, reason: a.details.reason, incremental: a.details.incremental }, { scan: 'table', reason: 'no_snapshot', incremental: true });
  const b = await plan(second.runId);
  assert.equal({ scan: b.details.scan, reason: b.details.reason, candidates: b.details.candidates, listed: b.details.listed, previous_run_id: b.details.previous_run_id, remembered: b.details.remembered_recordings },
    { scan: 'changes', reason: 'changes_since_last_run', candidates: 3, listed: false, previous_run_id: first.runId, remembered: 12 });
  assert.match(b.message, /^scan: 3 candidate recordings from the change log, read from the log in one batch \(incremental: /);
  const batch = (await entries(pool, second.runId)).find((e) => e.event === 'batch')!;
  assert.match(batch.message, /^batch 1: every candidate, read from the change log: matched 3, changed 3,/);
  // Changing the condition sends the next run through the whole table, and the log says so.
  await pool.query(`UPDATE conflag.jobs SET condition = $2::jsonb WHERE id = $1::bigint`, [jobId, JSON.stringify({ all: [{ fact: 'duration', operator: 'greaterThan', value: 7000 }] })]);
  const third = await executeRun(pool, jobId, { trigger: 'schedule' });
  assert.equal((await plan(third.runId)).details.reason, 'settings_changed');
});

test('log_enabled = false writes nothing to the log: successful, failed and skipped runs', async () => {
  const pool = openPool();
  await insertRecordings(pool, 25, { duration: () => 9000, perBlock: 10 });
  const jobId = await insertJob(pool, { name: 'quiet', condition: longCalls });
  assert.is((await pool.query(`SELECT log_enabled FROM conflag.jobs WHERE id = $1`, [jobId])).rows[0].log_enabled, false);
  const ok = await executeRun(pool, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 1 });
  assert.is(ok.status, 'succeeded');
  const stopped = await executeRun(pool, jobId, { trigger: 'manual', signal: AbortSignal.abort('stop') });
  assert.is(stopped.status, 'aborted');
  assert.is((await pool.query(`SELECT count(*)::int AS n FROM conflag.job_run_log`)).rows[0].n, 0);
  // The same job with log_enabled logs: the check above can fail.
  await pool.query(`UPDATE conflag.jobs SET log_enabled = true WHERE id = $1`, [jobId]);
  const logged = await executeRun(pool, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 1 });
  // Start, scan, one batch per block (the first run's flag updates moved rows that did not fit their block), end.
  assert.is((await entries(pool, logged.runId)).length, 3 + (await tableBlocks(pool)));
});

test('a statement error: the failed batch has no batch entry but a rolled-back entry, and the end has the error and SQLSTATE', async () => {
  const pool = openPool();
  await pool.query(`INSERT INTO conflag.attributes (name, type, expression, description)
                    VALUES ('test_ratio', 'number', '(100000 / (r.duration - 4242))', 'test only: fails for duration 4242')`);
  try {
    await insertRecordings(pool, 30, { duration: (i) => (i === 15 ? 4242 : 9000), perBlock: 10 });
    const jobId = await loggedJob(pool, { name: 'boom', condition: { all: [{ fact: 'test_ratio', operator: 'greaterThan', value: 0 }] } });
    const result = await executeRun(pool, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 1 });
    assert.is(result.status, 'failed');
    const log = await entries(pool, result.runId);
    assert.equal(log.map((e) => [e.event, e.level]), [
      ['run_started', 'info'], ['scan_planned', 'info'], ['batch', 'info'], ['batch_rolled_back', 'error'], ['run_finished', 'error'],
    ]);
    assert.equal(log[2].details.batch, 1);
    assert.equal({ batch: log[3].details.batch, from_block: log[3].details.from_block, to_block: log[3].details.to_block, sqlstate: log[3].details.sqlstate },
      { batch: 2, from_block: 1, to_block: 2, sqlstate: '22012' });
    assert.match(log[3].details.error, 'division by zero');
    assert.equal({ status: log[4].details.status, batches: log[4].details.batches, changed: log[4].details.changed, sqlstate: log[4].details.sqlstate, error: log[4].details.error },
      { status: 'failed', batches: 1, changed: 10, sqlstate: '22012', error: result.error });
  } finally {
    await pool.query(`DELETE FROM conflag.jobs`);
    await pool.query(`DELETE FROM conflag.attributes WHERE name = 'test_ratio'`);
  }
});

test('a batch whose commit fails after its entry was written: the entry rolls back with the batch\'s work', async () => {
  const pool = openPool();
  // A deferred check that fails at COMMIT of the 2nd batch, after its work and its log entry are written.
  await pool.query(`CREATE FUNCTION public.refuse_second_batch() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'test: batch 2 may not commit' USING ERRCODE = 'P0001'; END $$`);
  await pool.query(`CREATE CONSTRAINT TRIGGER refuse_second_batch AFTER INSERT ON conflag.job_run_log DEFERRABLE INITIALLY DEFERRED
                    FOR EACH ROW WHEN (NEW.event = 'batch' AND NEW.details->>'batch' = '2') EXECUTE FUNCTION public.refuse_second_batch()`);
  try {
    const ids = await insertRecordings(pool, 30, { duration: () => 9000, perBlock: 10 });
    const jobId = await loggedJob(pool, { name: 'commit fails', condition: longCalls });
    const result = await executeRun(pool, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 1 });
    assert.is(result.status, 'failed');
    assert.match(result.error!, 'test: batch 2 may not commit (SQLSTATE P0001)');
    assert.equal(await confidentialIds(pool), ids.slice(0, 10), 'batch 2\'s work rolled back');
    const log = await entries(pool, result.runId);
    assert.equal(log.map((e) => e.event), ['run_started', 'scan_planned', 'batch', 'batch_rolled_back', 'run_finished']);
    assert.equal(log.filter((e) => e.event === 'batch').map((e) => e.details.batch), [1], 'no entry claims batch 2 committed');
    assert.equal({ batch: log[3].details.batch, sqlstate: log[3].details.sqlstate }, { batch: 2, sqlstate: 'P0001' });
  } finally {
    await pool.query(`DROP TRIGGER refuse_second_batch ON conflag.job_run_log; DROP FUNCTION public.refuse_second_batch()`);
  }
});

test('a stopped run logs a warning end; a skipped start logs run_skipped', async () => {
  const pool = openPool();
  await insertRecordings(pool, 30, { duration: () => 9000, perBlock: 10 });
  const jobId = await loggedJob(pool, { name: 'stoppable', condition: longCalls });
  const controller = new AbortController();
  const stopped = await executeRun(pool, jobId, {
    trigger: 'manual', parallelism: 1, batchUnits: 1, signal: controller.signal, onProgress: (p) => p.batches === 1 && controller.abort(new Error('SIGTERM')),
  });
  assert.is(stopped.status, 'aborted');
  const log = await entries(pool, stopped.runId);
  assert.equal(log.map((e) => [e.event, e.level]), [['run_started', 'info'], ['scan_planned', 'info'], ['batch', 'info'], ['run_finished', 'warn']]);
  assert.equal({ status: log[3].details.status, error: log[3].details.error }, { status: 'aborted', error: stopped.error });
  // A run already in progress (another process): the new start is recorded as skipped, with one entry.
  const running = await liveRun(pool, jobId);
  const skipped = await executeRun(pool, jobId, { trigger: 'schedule' });
  await running.end();
  assert.is(skipped.status, 'skipped');
  const skippedLog = await entries(pool, skipped.runId);
  assert.equal(skippedLog.map((e) => [e.event, e.level, e.details.running_run_id]), [['run_skipped', 'warn', running.id]]);
});

test('pruning a run deletes its log; deleting the job keeps it', async () => {
  const pool = openPool();
  await insertRecordings(pool, 5, { duration: () => 9000 });
  const jobId = await loggedJob(pool, { name: 'pruned', condition: longCalls, keep_history_days: 1 });
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push((await executeRun(pool, jobId, { trigger: 'schedule' })).runId);
  await pool.query(`UPDATE conflag.job_runs SET started_at = now() - interval '10 days', finished_at = now() - interval '10 days'`);
  const counts = async () => (await pool.query(`SELECT run_id::text, count(*)::int AS n FROM conflag.job_run_log GROUP BY run_id ORDER BY run_id`)).rows;
  assert.equal((await counts()).map((r) => r.run_id), runs);
  // As a login of the runner role: it may not DELETE log entries itself, the cascade from its run does it.
  const runner = openPool((await memberOf('conflag_runner')).url);
  assert.is((await runner.query(`SELECT conflag.prune_history() AS n`)).rows[0].n, 2);
  assert.equal((await counts()).map((r) => r.run_id), [runs[2]], 'only the kept (newest) run has its log');
  await pool.query(`DELETE FROM conflag.jobs WHERE id = $1`, [jobId]);
  const kept = await pool.query(`SELECT DISTINCT job_id, job_name FROM conflag.job_run_log_view`);
  assert.equal(kept.rows, [{ job_id: null, job_name: 'pruned' }]);
});

test('roles: the runner writes and reads the log, reporting and admin read it, nobody else changes it', async () => {
  const admin = openPool();
  await insertRecordings(admin, 5, { duration: () => 9000 });
  const jobId = await loggedJob(admin, { name: 'roles', condition: longCalls });
  const asRole = async (role: string) => openPool((await memberOf(role)).url);
  const runner = await asRole('conflag_runner');
  const result = await executeRun(runner, jobId, { trigger: 'schedule' });
  assert.is(result.status, 'succeeded', result.error);
  assert.is((await entries(runner, result.runId)).length, 4);
  for (const role of ['conflag_reporting', 'conflag_admin']) {
    const db = await asRole(role);
    assert.is((await db.query(`SELECT count(*)::int AS n FROM conflag.job_run_log WHERE run_id = $1`, [result.runId])).rows[0].n, 4, role);
    assert.is((await db.query(`SELECT count(*)::int AS n FROM conflag.job_run_log_view WHERE run_id = $1`, [result.runId])).rows[0].n, 4, role);
    const insert = await rejection(db.query(`INSERT INTO conflag.job_run_log (run_id, event, message) VALUES ($1, 'batch', 'forged')`, [result.runId]));
    assert.is(insert.code, '42501', `${role} INSERT`);
  }
  for (const role of ['conflag_runner', 'conflag_reporting', 'conflag_admin']) {
    const db = await asRole(role);
    for (const statement of [`UPDATE conflag.job_run_log SET message = 'edited'`, `DELETE FROM conflag.job_run_log`]) {
      assert.is((await rejection(db.query(statement))).code, '42501', `${role}: ${statement}`);
    }
  }
});

test('conflag run names the run and, for a logged job, how to read its log; conflag log prints it', async () => {
  const pool = openPool();
  await insertRecordings(pool, 25, { duration: () => 9000, perBlock: 10 });
  await insertJob(pool, { name: 'plain', condition: longCalls });
  const plain = await cli(['run', 'plain']);
  assert.is(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^run \d+ succeeded: [^\n]*\n$/);
  assert.not.match(plain.stdout, 'job_run_log');
  const plainRun = /^run (\d+)/.exec(plain.stdout)![1];
  const noLog = await cli(['log', plainRun]);
  assert.is(noLog.code, 0);
  assert.match(noLog.stderr, `run ${plainRun} has no detailed log`);

  await loggedJob(pool, { name: 'logged', condition: longCalls });
  const logged = await cli(['run', 'logged', '--batch-blocks', '1', '--parallel', '1']);
  assert.is(logged.code, 0, logged.stderr);
  const runId = /^run (\d+) succeeded/.exec(logged.stdout)![1];
  const hint = logged.stdout.split('\n')[1];
  assert.is(hint, `detailed log (log_enabled): SELECT at, level, event, message, details FROM conflag.job_run_log WHERE run_id = ${runId} ORDER BY id;  or: conflag log ${runId}`);
  // The hint's SQL runs and returns the run's entries.
  const sqlText = /: (SELECT .*;)/.exec(hint)![1];
  // One batch per block: the plain job's flag updates moved the rows that no longer fit their block.
  const batchEvents = Array.from({ length: await tableBlocks(pool) }, () => 'batch');
  assert.equal((await pool.query(sqlText)).rows.map((r) => r.event), ['run_started', 'scan_planned', ...batchEvents, 'run_finished']);

  const printed = await cli(['log', runId]);
  assert.is(printed.code, 0, printed.stderr);
  const lines = printed.stdout.trimEnd().split('\n');
  assert.is(lines[0], `run ${runId} of job "logged": succeeded`);
  assert.equal(lines.slice(1).map((l) => l.trim().split(/\s+/)[3]), ['run_started', 'scan_planned', ...batchEvents, 'run_finished']);
  assert.match(lines[3], /^\s+\d+\.\d{3} s  info +batch +batch 1: blocks 0 to 0 of conflag\.recordings: matched \d+, changed 0, skipped 0 \(\d+ ms\)$/, 'the plain job flagged them already');
  const json = JSON.parse((await cli(['log', runId, '--json'])).stdout);
  assert.is(json.entries[0].details.predicate.length > 0, true);
  const missing = await cli(['log', '999999']);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, 'run 999999 does not exist');
  assert.is((await cli(['log', 'abc'])).code, 2);
});

test('conflag log prints a 505-entry log in the order written; piped into a reader that quits, it ends quietly', async () => {
  const pool = openPool();
  await insertRecordings(pool, 2008, { duration: () => 9000, perBlock: 4 }); // 502 blocks
  const jobId = await loggedJob(pool, { name: 'long log', condition: longCalls });
  const result = await executeRun(pool, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 1 });
  assert.is(result.status, 'succeeded', result.error);
  const printed = await cli(['log', result.runId]);
  assert.is(printed.code, 0, printed.stderr);
  const lines = printed.stdout.trimEnd().split('\n').slice(1);
  assert.is(lines.length, 505);
  const events = lines.map((l) => l.trim().split(/\s+/)[3]);
  assert.equal([events[0], events[1], events[504]], ['run_started', 'scan_planned', 'run_finished']);
  // Numeric order: batch 1, 2, …, 502 (sorted as text, "batch 88" came first and the start entry was line 12).
  const batches = lines.slice(2, 504).map((l) => Number(/ batch (\d+): /.exec(l)?.[1]));
  assert.equal(batches, Array.from({ length: 502 }, (_, i) => i + 1));

  // `conflag log N | head`: the reader is gone before the first line is written.
  const child = spawn(process.execPath, [bin, 'log', result.runId], { env: { ...process.env, DATABASE_URL: databaseUrl() }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.is(stderr, '', 'no stack trace, no message');
  assert.is(code, 0);
});

test.run();
