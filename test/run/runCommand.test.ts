// `conflag run <job> [--wait] [--parallel N] [--batch-blocks N]` through the real CLI entry point (main), against this file's
// database (DATABASE_URL): exit codes, the plain summary, the terminal progress line, --wait; and as a real process:
// on a real terminal (a pseudo-terminal from util-linux `script`) one progress line also for a log_enabled job,
// piped stdout holding only the summary with the log on stderr, and Ctrl-C (SIGINT) stopping the run.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { EXIT_STOPPED } from '../../src/cli/commands/run.ts';
import { main } from '../../src/cli/main.ts';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { waitFor } from '../lib/waitFor.ts';
import { confidentialIds, insertJob, insertRecordings, liveRun, longCalls, resetRunData, runRow } from './fixtures.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'conflag.js');
const test = suite('run: the run command');

/** The environment of a `conflag` child process on this file's database, without LOG_LEVEL / LOG_FORMAT. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl() };
  delete env.LOG_LEVEL;
  delete env.LOG_FORMAT;
  return env;
}

async function loggedJob(pool: ReturnType<typeof openPool>, name: string): Promise<string> {
  const id = await insertJob(pool, { name, condition: longCalls });
  await pool.query(`UPDATE conflag.jobs SET log_enabled = true WHERE id = $1::bigint`, [id]);
  return id;
}
test.after(closePools);
test.before.each(() => resetRunData(openPool()));

function capture(isTTY = false) {
  let text = '';
  const stream = { write: (chunk: string) => ((text += chunk), true), isTTY } as unknown as NodeJS.WritableStream & { isTTY?: boolean };
  return { stream, text: () => text };
}

async function cli(args: string[], tty = false, onStart?: (stderr: () => string) => void) {
  const out = capture(tty);
  const err = capture();
  const running = main(args, { stdout: out.stream, stderr: err.stream });
  onStart?.(err.text);
  const code = await running;
  return { code, stdout: out.text(), stderr: err.text() };
}

test('runs a job by name (any case) or id, prints a plain summary and exits 0', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 25, { duration: (i) => (i % 5 === 0 ? 9000 : 60), perBlock: 10 });
  const jobId = await insertJob(pool, { name: 'Long Calls', condition: longCalls });
  const byName = await cli(['run', 'long calls', '--batch-blocks', '1', '--parallel', '1']);
  assert.is(byName.code, 0, byName.stderr);
  assert.match(byName.stdout, /^run \d+ succeeded: matched 5, changed 5, skipped 0 in 3 batches \(\d+\.\d s\)\n$/);
  assert.not.match(byName.stdout, '\r', 'no progress line when not on a terminal');
  assert.equal(await confidentialIds(pool), ids.filter((_, i) => (i + 1) % 5 === 0));
  const byId = await cli(['run', jobId]);
  assert.is(byId.code, 0);
  assert.match(byId.stdout, 'matched 5, changed 0, skipped 0 in 1 batch ');
  const { rows } = await pool.query(`SELECT trigger, count(*)::int AS n FROM conflag.job_runs GROUP BY trigger`);
  assert.equal(rows, [{ trigger: 'manual', n: 2 }]);
});

test('on a terminal it shows one updating progress line', async () => {
  const pool = openPool();
  await insertRecordings(pool, 30, { duration: () => 9000, perBlock: 10 });
  await insertJob(pool, { name: 'tty', condition: longCalls });
  const result = await cli(['run', 'tty', '--batch-blocks', '1', '--parallel', '1'], true);
  assert.is(result.code, 0);
  const updates = result.stdout.split('\r\u001b[K').slice(1);
  assert.is(updates.length, 4, 'the start and three batches');
  assert.match(updates[1], /^run \d+ · batch 1 · block 1 of 3 \(33%\) · matched 10 · changed 10$/);
  assert.match(updates[3], /^run \d+ · batch 3 · block 3 of 3 \(100%\) · matched 30 · changed 30\nrun \d+ succeeded/);
});

test('a job that is already running: exit 3 without --wait; with --wait it runs once the other run ends', async () => {
  const pool = openPool();
  await insertRecordings(pool, 5, { duration: () => 9000 });
  const jobId = await insertJob(pool, { name: 'busy', condition: longCalls });
  const running = await liveRun(pool, jobId);
  const other = running.id;
  const refused = await cli(['run', 'busy']);
  assert.is(refused.code, 3);
  assert.match(refused.stderr, `job "busy" is already running (run ${other}, started `);
  assert.match(refused.stderr, 'use --wait');
  assert.equal(await confidentialIds(pool), []);

  // Ends the other run only once the command says it waits (a fixed 700 ms was too short on a loaded machine).
  let stderrSoFar = () => '';
  const waiting = cli(['run', 'busy', '--wait'], false, (text) => (stderrSoFar = text));
  await waitFor(() => stderrSoFar().includes('waiting for run'), { what: 'the command to wait' });
  await new Promise((resolve) => setTimeout(resolve, 700));
  assert.equal(await confidentialIds(pool), [], 'still waiting');
  await running.end();
  const waited = await waiting;
  assert.is(waited.code, 0, waited.stderr);
  assert.match(waited.stderr, `waiting for run ${other} of job "busy" to end`);
  assert.is((await confidentialIds(pool)).length, 5);
});

test('a run left behind by a process that died does not block `conflag run`: it is recorded interrupted and the job runs', async () => {
  const pool = openPool();
  await insertRecordings(pool, 5, { duration: () => 9000 });
  const jobId = await insertJob(pool, { name: 'orphaned', condition: longCalls });
  const { rows: [dead] } = await pool.query(
    `INSERT INTO conflag.job_runs (job_id, job_name, trigger, as_of, timezone, mode, action, condition)
     SELECT id, name, 'schedule', now(), 'UTC', mode, action, condition FROM conflag.jobs WHERE id = $1 RETURNING id::text`,
    [jobId],
  );
  const result = await cli(['run', 'orphaned']);
  assert.is(result.code, 0, result.stderr);
  assert.is((await confidentialIds(pool)).length, 5);
  assert.is((await runRow(pool, dead.id)).status, 'interrupted');
});

test('a failed run exits 1 with its error; an unknown job exits 1; bad arguments exit 2', async () => {
  const pool = openPool();
  await pool.query(`INSERT INTO conflag.attributes (name, type, expression, description) VALUES ('test_zero', 'number', '(1 / (r.duration - r.duration))', 'test only')`);
  try {
    await insertRecordings(pool, 3);
    await insertJob(pool, { name: 'fails', condition: { all: [{ fact: 'test_zero', operator: 'greaterThan', value: 0 }] } });
    const failed = await cli(['run', 'fails']);
    assert.is(failed.code, 1);
    assert.match(failed.stdout, /^run \d+ failed: matched 0, changed 0, skipped 0 in 0 batches \(\d+\.\d s\)\nbatch 1 .* division by zero \(SQLSTATE 22012\)\n$/);
  } finally {
    await pool.query(`DELETE FROM conflag.jobs`);
    await pool.query(`DELETE FROM conflag.attributes WHERE name = 'test_zero'`);
  }
  const unknown = await cli(['run', 'no such job']);
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, 'job "no such job" does not exist');
  assert.is((await cli(['run'])).code, 2);
  assert.is((await cli(['run', 'a', 'b'])).code, 2);
  const bad = await cli(['run', 'x', '--batch-blocks', 'many']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, '--batch-blocks must be a whole number');
  const badParallel = await cli(['run', 'x', '--parallel', '0']);
  assert.is(badParallel.code, 2);
  assert.match(badParallel.stderr, '--parallel must be a whole number from 1 to 16');
});

test('on a real terminal a log_enabled job keeps ONE updating progress line: no log line between the updates', async () => {
  const pool = openPool();
  await insertRecordings(pool, 30, { duration: () => 9000, perBlock: 10 });
  await loggedJob(pool, 'logged on a terminal');
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} run 'logged on a terminal' --batch-blocks 1 --parallel 1`;
  const result = spawnSync('script', ['--quiet', '--return', '--command', command, '/dev/null'], { env: childEnv(), encoding: 'utf8', timeout: 60_000 });
  assert.is(result.status, 0, result.stdout + result.stderr);
  const lines = result.stdout.split('\r\n').filter(Boolean);
  assert.is(lines.length, 3, `the progress line, the summary and the log hint, nothing else:\n${JSON.stringify(lines, null, 1)}`);
  const updates = lines[0].split('\r\u001b[K').slice(1);
  assert.is(updates.length, 4, 'the start and three batches, redrawn in place');
  assert.match(updates[3], /^run \d+ · batch 3 · block 3 of 3 \(100%\) · matched 30 · changed 30$/);
  assert.match(lines[1], /^run \d+ succeeded: matched 30, changed 30/);
  assert.match(lines[2], /^detailed log \(log_enabled\): /);
});

test('piped: stdout holds only the summary; the log of a log_enabled job goes to stderr', async () => {
  const pool = openPool();
  await insertRecordings(pool, 30, { duration: () => 9000, perBlock: 10 });
  await loggedJob(pool, 'logged into a pipe');
  const result = spawnSync(process.execPath, [bin, 'run', 'logged into a pipe', '--batch-blocks', '1', '--parallel', '1'], { env: childEnv(), encoding: 'utf8', timeout: 60_000 });
  assert.is(result.status, 0, result.stderr);
  const out = result.stdout.split('\n');
  assert.match(out[0], /^run (\d+) succeeded: matched 30, changed 30, skipped 0 in 3 batches \(\d+\.\d s\)$/);
  assert.match(out[1], /^detailed log \(log_enabled\): SELECT /);
  assert.equal(out.slice(2), [''], 'nothing else on stdout');
  const logged = result.stderr.trim().split('\n').map((line) => JSON.parse(line).msg);
  assert.ok(logged.includes('run started') && logged.includes('run scan prepared'), logged.join(' | '));
});

test(`Ctrl-C (SIGINT) stops the run after the batch in progress, recorded as stopped by an operator; exit ${EXIT_STOPPED} as --help says`, async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 30, { duration: () => 9000, perBlock: 10 });
  const jobId = await insertJob(pool, { name: 'interrupted', condition: longCalls });
  const help = await cli(['run', '--help']);
  assert.match(help.stdout, `${EXIT_STOPPED} stopped by Ctrl-C or SIGTERM`);
  // Batch 2 waits for a row lock the test holds, so the signal arrives mid-run.
  const locker = await pool.connect();
  await locker.query('BEGIN');
  await locker.query(`SELECT id FROM conflag.recordings WHERE id = $1 FOR UPDATE`, [ids[15]]);
  const child = spawn(process.execPath, [bin, 'run', 'interrupted', '--batch-blocks', '1', '--parallel', '1'], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    await waitFor(async () => (await pool.query(`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'conflag-run:%' AND wait_event_type = 'Lock'`)).rowCount, { what: 'batch 2 to wait on the lock' });
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    await locker.query('ROLLBACK');
    locker.release();
  }
  assert.is(await exited, EXIT_STOPPED, output);
  assert.match(output, /^run \d+ stopped: matched 20, changed 20, skipped 0 in 2 batches/m, output);
  const { rows } = await pool.query(`SELECT status, batches, error FROM conflag.job_runs WHERE job_id = $1`, [jobId]);
  assert.equal(rows.map((r) => [r.status, r.batches]), [['stopped', 2]], 'recorded as stopped by an operator; batch 2 finished and stays applied');
  assert.match(rows[0].error, 'interrupted by SIGINT');
  const { rows: [state] } = await pool.query(`SELECT last_status, consecutive_failures FROM conflag.job_status WHERE job_id = $1`, [jobId]);
  assert.equal(state, { last_status: 'stopped', consecutive_failures: 0 }, 'not a failure');
});

test.run();
