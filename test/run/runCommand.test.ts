// `conflag run <job> [--wait] [--batch-size N]` through the real CLI entry point (main), against this file's
// database (DATABASE_URL): exit codes, the plain summary, the terminal progress line, --wait.
import * as assert from 'uvu/assert';
import { main } from '../../src/cli/main.ts';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { confidentialIds, insertJob, insertRecordings, longCalls, resetRunData } from './fixtures.ts';

const test = suite('run: the run command');
test.after(closePools);
test.before.each(() => resetRunData(openPool()));

function capture(isTTY = false) {
  let text = '';
  const stream = { write: (chunk: string) => ((text += chunk), true), isTTY } as unknown as NodeJS.WritableStream & { isTTY?: boolean };
  return { stream, text: () => text };
}

async function cli(args: string[], tty = false) {
  const out = capture(tty);
  const err = capture();
  const code = await main(args, { stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

/** A run row left 'running' (another process is running the job). */
async function fakeRunning(pool: ReturnType<typeof openPool>, jobId: string): Promise<string> {
  const { rows } = await pool.query(
    `INSERT INTO conflag.job_runs (job_id, job_name, trigger, as_of, timezone, mode, action, condition)
     SELECT id, name, 'schedule', now(), 'UTC', mode, action, condition FROM conflag.jobs WHERE id = $1 RETURNING id::text`,
    [jobId],
  );
  return rows[0].id;
}

test('runs a job by name (any case) or id, prints a plain summary and exits 0', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 25, { duration: (i) => (i % 5 === 0 ? 9000 : 60) });
  const jobId = await insertJob(pool, { name: 'Long Calls', condition: longCalls });
  const byName = await cli(['run', 'long calls', '--batch-size', '10']);
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
  await insertRecordings(pool, 30, { duration: () => 9000 });
  await insertJob(pool, { name: 'tty', condition: longCalls });
  const result = await cli(['run', 'tty', '--batch-size', '10'], true);
  assert.is(result.code, 0);
  const updates = result.stdout.split('\r\u001b[K').slice(1);
  assert.is(updates.length, 4, 'the start and three batches');
  assert.match(updates[1], /^run \d+ · batch 1 · id \d+ of \d+ \(33%\) · matched 10 · changed 10$/);
  assert.match(updates[3], /^run \d+ · batch 3 · id \d+ of \d+ \(100%\) · matched 30 · changed 30\nrun \d+ succeeded/);
});

test('a job that is already running: exit 3 without --wait; with --wait it runs once the other run ends', async () => {
  const pool = openPool();
  await insertRecordings(pool, 5, { duration: () => 9000 });
  const jobId = await insertJob(pool, { name: 'busy', condition: longCalls });
  const other = await fakeRunning(pool, jobId);
  const refused = await cli(['run', 'busy']);
  assert.is(refused.code, 3);
  assert.match(refused.stderr, `job "busy" is already running (run ${other}, started `);
  assert.match(refused.stderr, 'use --wait');
  assert.equal(await confidentialIds(pool), []);

  const waiting = cli(['run', 'busy', '--wait']);
  await new Promise((resolve) => setTimeout(resolve, 700));
  assert.equal(await confidentialIds(pool), [], 'still waiting');
  await pool.query(`UPDATE conflag.job_runs SET status = 'succeeded', finished_at = now() WHERE id = $1`, [other]);
  const waited = await waiting;
  assert.is(waited.code, 0, waited.stderr);
  assert.match(waited.stderr, `waiting for run ${other} of job "busy" to end`);
  assert.is((await confidentialIds(pool)).length, 5);
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
  const bad = await cli(['run', 'x', '--batch-size', 'many']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, '--batch-size must be a whole number');
});

test.run();
