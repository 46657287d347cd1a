// Runner processes that die or are told to stop, mid-run (the run blocks on a row lock the test holds):
// - SIGKILL: the run's session ends within seconds (PostgreSQL notices the client is gone), which frees the run's
//   liveness lock; another runner's keep-alive records the run as interrupted and hands it back to the queue, and
//   a retry continues the work — no new tick or request, no waiting for keep_alive_timeout_minutes, no 'skipped'.
// - SIGTERM: the process takes no new work, stops the run between batches, records it and exits 0; a run stuck
//   in one statement past CONFLAG_SHUTDOWN_TIMEOUT_SECONDS has its statement cancelled, so the process still exits.
import os from 'node:os';
import type pg from 'pg';
import * as assert from 'uvu/assert';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { db, insertJob, lockMatchingRecording, runsOf, spawnRunner, startTestService, stopAll, waitFor, waitUntilBlocked } from './helpers.ts';

const test = suite('runner: SIGKILL and SIGTERM mid-run');
test.after(async () => {
  await stopAll();
  await closePools();
});

// Enough recordings for several batches of the executor's first size (256 blocks, ~8 000 rows), so a stopped run has
// batches left to skip; every 1000th matches the jobs' condition.
const RECORDINGS = 220_000;

test.before(async () => {
  await db().query(
    `INSERT INTO conflag.recordings (tenant_id, call_id, started_at, duration)
     SELECT 'default', 'call-' || i, timestamptz '2026-01-01 08:00+00' + make_interval(secs => i), CASE WHEN i % 1000 = 0 THEN 10800 ELSE 60 END
       FROM generate_series(1, $1::int) i`,
    [RECORDINGS],
  );
});

async function noRunning(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM conflag.job_runs WHERE status = 'running'`);
  return rows[0].n;
}

test('SIGKILL mid-run: within seconds the run is interrupted and retried by another runner, which finishes the job', async () => {
  const pool = db();
  // A keep-alive timeout far off: only the run's session ending can explain what follows.
  const job = await insertJob(pool, { name: 'killed', keep_alive_timeout_minutes: 60 });
  const runner = await spawnRunner();
  const lock = await lockMatchingRecording(pool);
  try {
    await pool.query(`SELECT conflag.request_run('killed')`);
    const run = await waitUntilBlocked(pool, job);
    runner.child.kill('SIGKILL');
    await runner.exited;
    const killedAt = Date.now();
    await startTestService({ config: { keepAliveCheckIntervalMs: 500 } });
    // The retry blocks on the same row lock: two runs, the first interrupted, the second running on this process.
    const runs = await waitFor(async () => {
      const list = await runsOf(pool, job);
      return list.length === 2 && list[1].status === 'running' ? list : undefined;
    }, { timeoutMs: 20_000, what: 'the interrupted run to be retried' });
    const seconds = (Date.now() - killedAt) / 1000;
    console.log(`figures: SIGKILL of the runner: run ${run.id} interrupted and retried after ${seconds.toFixed(1)} s (keep-alive timeout: 60 minutes)`);
    assert.ok(seconds < 20, `${seconds} s`);
    assert.equal(runs.map((r) => [r.attempt, r.status]), [[1, 'interrupted'], [2, 'running']]);
    assert.match(runs[0].error!, /^interrupted: its database session ended without recording the end of the run \(runner \S+ killed or crashed, the database restarted, or the connection was lost\) after \d+ committed batches, which stay applied; noticed by the keep-alive; the run is retried$/);
    assert.is(runs[1].runner, `${os.hostname()}/${process.pid}`);
    assert.is((await pool.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [`conflag-run:${run.id}`])).rowCount, 0, 'the killed run\'s session is gone');
  } finally {
    await lock.release();
  }
  await waitFor(async () => (await runsOf(pool, job)).find((r) => r.status === 'succeeded'), { timeoutMs: 15_000, what: 'the retry to succeed' });
  assert.is(await noRunning(pool), 0);
  // The killed run's other connection may have committed batches before the kill; together every one is flagged.
  const flagged = (await pool.query(`SELECT count(*)::int AS n FROM conflag.recordings WHERE confidential`)).rows[0].n as number;
  assert.is(flagged, RECORDINGS / 1000);
  const { rows } = await pool.query(`SELECT retry_planned FROM conflag.job_runs WHERE job_id = $1 ORDER BY id`, [job]);
  assert.equal(rows.map((r) => r.retry_planned), [true, false]);
  await stopAll();
});

test('SIGTERM mid-run: the run stops between batches and is recorded, the process exits 0, nothing stays running', async () => {
  const pool = db();
  // Earlier jobs go (their runs still queued for a retry would compete for the same recordings).
  await pool.query('DELETE FROM conflag.jobs');
  await pool.query('UPDATE conflag.recordings SET confidential = false WHERE confidential');
  const job = await insertJob(pool, { name: 'terminated' });
  // One connection per run, so "the batch in progress" is one batch.
  const runner = await spawnRunner({ CONFLAG_SHUTDOWN_TIMEOUT_SECONDS: '20', CONFLAG_RUN_PARALLELISM: '1' });
  const lock = await lockMatchingRecording(pool);
  try {
    await pool.query(`SELECT conflag.request_run('terminated')`);
    await waitUntilBlocked(pool, job);
    runner.child.kill('SIGTERM');
    await waitFor(() => /stopping: no new work/.test(runner.output()), { what: 'the runner to begin stopping' });
  } finally {
    await lock.release();
  }
  assert.is(await runner.exited, 0, runner.output());
  const runs = await runsOf(pool, job);
  assert.is(runs.length, 1, JSON.stringify(runs));
  assert.is(runs[0].status, 'aborted', JSON.stringify(runs));
  assert.match(runs[0].error!, /stopped between batches \(runner shutting down\) after 1 batches/);
  const flagged = (await pool.query(`SELECT count(*)::int AS n FROM conflag.recordings WHERE confidential`)).rows[0].n as number;
  assert.ok(flagged > 0 && flagged < RECORDINGS / 1000, `the first batch was finished and kept, the rest not started: ${flagged} flagged`);
  assert.is(runs[0].changed, String(flagged), `the run counts what it changed: ${JSON.stringify(runs)}`);
  assert.is(await noRunning(pool), 0);
  assert.match(runner.output(), 'conflag stopped');
  // Handed back to the queue: the next runner to start takes the run over.
  const { rows } = await pool.query(`SELECT state FROM conflag_boss.job WHERE data->>'jobId' = $1`, [String(job)]);
  assert.equal(rows.map((r) => r.state), ['retry']);
});

test('SIGTERM while a run is stuck in a statement: after the shutdown timeout the statement is cancelled and the process exits 0', async () => {
  const pool = db();
  await pool.query('DELETE FROM conflag.jobs');
  const job = await insertJob(pool, { name: 'stuck' });
  const runner = await spawnRunner({ CONFLAG_SHUTDOWN_TIMEOUT_SECONDS: '1' });
  const lock = await lockMatchingRecording(pool);
  try {
    await pool.query(`SELECT conflag.request_run('stuck')`);
    await waitUntilBlocked(pool, job);
    const stopped = Date.now();
    runner.child.kill('SIGTERM');
    assert.is(await runner.exited, 0, runner.output());
    assert.ok(Date.now() - stopped < 15_000);
  } finally {
    await lock.release();
  }
  const [run] = await runsOf(pool, job);
  assert.ok(['failed', 'aborted'].includes(run.status), JSON.stringify(run));
  assert.match(run.error!, /cancel/i, JSON.stringify(run));
  assert.is(await noRunning(pool), 0);
  assert.match(runner.output(), 'cancelling their statements');
});

test.run();
