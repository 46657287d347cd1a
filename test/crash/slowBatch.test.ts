// Crash suite (issue 10): a run busy in one long statement is alive. The job's keep-alive timeout is 1 minute and
// its first batch takes longer than that (it waits for a row the test holds locked, as a DBA's long transaction
// would make it wait): the runner keeps writing heartbeats while the statement runs, so neither its own
// keep-alive nor another runner's ends the run, and it succeeds on its first attempt. The old keep-alive, which
// counted only committed batches as progress, killed such a run on every retry. Real time, no clock tricks.
import * as assert from 'uvu/assert';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { db, insertJob, insertRecordings, lockMatchingRecording, runsOf, spawnRunner, startTestService, stopAll, waitFor, waitUntilBlocked } from '../service/helpers.ts';

const test = suite('crash: a first batch longer than the keep-alive timeout');
test.after(async () => {
  await stopAll();
  await closePools();
});

const HOLD_MS = 75_000;

test('a first batch of 75 s under a 1-minute keep-alive succeeds at its first attempt, watched by two runners\' keep-alives', async () => {
  const pool = db();
  await insertRecordings(pool, 3_000);
  const job = await insertJob(pool, { name: 'slow first batch', keep_alive_timeout_minutes: 1 });
  // One connection per run: the run's only connection waits in its first batch, so nothing but the heartbeat
  // moves heartbeat_at.
  const runner = await spawnRunner({ CONFLAG_KEEPALIVE_CHECK_SECONDS: '1', CONFLAG_RUN_PARALLELISM: '1' });
  await startTestService({ config: { keepAliveCheckIntervalMs: 1_000, runParallelism: 1 } });
  const lock = await lockMatchingRecording(pool);
  let oldestHeartbeat = 0;
  let run;
  try {
    await pool.query(`SELECT conflag.request_run('slow first batch')`);
    run = await waitUntilBlocked(pool, job);
    const blockedAt = Date.now();
    while (Date.now() - blockedAt < HOLD_MS) {
      const { rows } = await pool.query<{ status: string; age: number; batches: number }>(
        `SELECT status, batches, extract(epoch FROM clock_timestamp() - heartbeat_at)::float8 AS age FROM conflag.job_runs WHERE id = $1`,
        [run.id],
      );
      assert.equal([rows[0].status, rows[0].batches], ['running', 0], `still in its first batch after ${Date.now() - blockedAt} ms`);
      oldestHeartbeat = Math.max(oldestHeartbeat, rows[0].age);
      await new Promise((r) => setTimeout(r, 2_000));
    }
  } finally {
    await lock.release();
  }
  const done = await waitFor(async () => (await runsOf(pool, job)).find((r) => r.status !== 'running'), { timeoutMs: 20_000, what: 'the run to end' });
  const { rows: [timing] } = await pool.query(`SELECT extract(epoch FROM finished_at - started_at)::float8 AS seconds, batches FROM conflag.job_runs WHERE id = $1`, [done.id]);
  const all = await runsOf(pool, job);
  console.log(`figures: first batch longer than the keep-alive: run took ${timing.seconds.toFixed(1)} s with keep_alive_timeout_minutes = 1, ` +
    `oldest heartbeat seen ${oldestHeartbeat.toFixed(1)} s, attempts ${all.length}, interrupted ${all.filter((r) => r.status === 'interrupted').length}`);
  assert.equal(all.map((r) => [r.attempt, r.status]), [[1, 'succeeded']], JSON.stringify(all));
  assert.is(done.id, run!.id);
  assert.ok(timing.seconds > 60, `the run took ${timing.seconds} s`);
  assert.ok(oldestHeartbeat < 30, `heartbeats kept coming during the batch: the oldest was ${oldestHeartbeat} s old`);
  assert.is(done.changed, '1000');
  runner.child.kill('SIGTERM');
  assert.is(await runner.exited, 0);
});

test.run();
