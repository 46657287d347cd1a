// Two runner processes (`conflag start`) on one database: they share the work (both run jobs at the same time),
// each scheduled tick runs exactly once, and one job never runs in both at once (the second start is recorded as
// skipped, by the other process).
import * as assert from 'uvu/assert';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { db, insertJob, insertRecordings, lockMatchingRecording, type RunnerProcess, runsOf, spawnRunner, stopAll, waitFor } from './helpers.ts';

const test = suite('runner: two runner processes');
test.after(async () => {
  await stopAll();
  await closePools();
});

let runners: RunnerProcess[] = [];

test.before(async () => {
  await insertRecordings(db(), 30);
  const env = { CONFLAG_CONCURRENCY: '1', CONFLAG_RETRY_DELAY_SECONDS: '1' };
  runners = await Promise.all([spawnRunner(env), spawnRunner(env)]);
});

test('each due tick runs exactly once, and both processes take a share', async () => {
  const pool = db();
  const jobs: number[] = [];
  // Feb 29: never due by the real clock during a test; the test makes them due.
  for (let i = 0; i < 4; i++) jobs.push(await insertJob(pool, { name: `shared ${i}`, schedule: `${i + 10} 3 29 2 *` }));
  await waitFor(async () => (await pool.query('SELECT 1 FROM conflag.job_schedules WHERE job_id = ANY($1)', [jobs])).rowCount === jobs.length, {
    what: 'the schedules',
  });
  const lock = await lockMatchingRecording(pool);
  try {
    await pool.query(`UPDATE conflag.job_schedules SET next_tick_at = now() - interval '1 second' WHERE job_id = ANY($1)`, [jobs]);
    // Each process runs one job at a time (CONFLAG_CONCURRENCY=1) and every run blocks on the lock: two runs in
    // progress at once can only mean both processes took one.
    const running = await waitFor(async () => {
      const { rows } = await pool.query<{ runner: string }>(`SELECT runner FROM conflag.job_runs WHERE job_id = ANY($1) AND status = 'running'`, [jobs]);
      return rows.length === 2 ? rows : undefined;
    }, { timeoutMs: 15_000, what: 'a run in progress in each process' });
    assert.is(new Set(running.map((r) => r.runner)).size, 2, 'two different processes');
    const pids = runners.map((r) => r.child.pid);
    for (const r of running) assert.ok(pids.some((pid) => r.runner.endsWith(`/${pid}`)), r.runner);
  } finally {
    await lock.release();
  }
  await waitFor(async () => {
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM conflag.job_runs WHERE job_id = ANY($1) AND status = 'succeeded'`, [jobs]);
    return rows[0].n === jobs.length;
  }, { timeoutMs: 15_000, what: 'every job to have run' });
  await new Promise((r) => setTimeout(r, 1_500));
  for (const job of jobs) {
    assert.equal((await runsOf(pool, job)).map((r) => [r.trigger, r.status]), [['schedule', 'succeeded']], `job ${job}`);
  }
});

test('one job never runs in both processes at once: the second start is recorded as skipped', async () => {
  const pool = db();
  await pool.query('UPDATE conflag.recordings SET confidential = false');
  const job = await insertJob(pool, { name: 'exclusive' });
  const lock = await lockMatchingRecording(pool);
  try {
    await pool.query(`SELECT conflag.request_run('exclusive')`);
    await waitFor(async () => (await runsOf(pool, job))[0]?.status === 'running', { what: 'the first run' });
    await pool.query(`SELECT conflag.request_run('exclusive')`);
    await waitFor(async () => (await runsOf(pool, job)).length === 2, { timeoutMs: 10_000, what: 'the second request to be handled' });
    const [first, second] = await runsOf(pool, job);
    assert.is(first.status, 'running');
    assert.is(second.status, 'skipped');
    assert.is.not(second.runner, first.runner, 'the idle process took the second request');
  } finally {
    await lock.release();
  }
  await waitFor(async () => (await runsOf(pool, job))[0].status === 'succeeded', { what: 'the first run to finish' });
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM conflag.job_runs WHERE status = 'running'`);
  assert.is(rows[0].n, 0);
});

test('both processes stop cleanly on SIGTERM', async () => {
  for (const r of runners) r.child.kill('SIGTERM');
  const codes = await Promise.all(runners.map((r) => r.exited));
  assert.equal(codes, [0, 0], runners.map((r) => r.output()).join('\n'));
});

test.run();
