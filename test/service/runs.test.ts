// How the runner executes runs (in-process runners, real pg-boss, real executeRun): one run per job at a time
// (a tick during a run is recorded as skipped, and ticks waiting for a busy runner merge instead of piling up),
// retries with backoff where every attempt is its own job_runs row, the execution time limit, and a run stopped by
// one runner's shutdown being taken over by another.
import type pg from 'pg';
import * as assert from 'uvu/assert';
import { executeRun } from '../../src/run/executeRun.ts';
import { BOSS_SCHEMA } from '../../src/service/runQueue.ts';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { db, insertJob, insertRecordings, lockMatchingRecording, metricValue, runsOf, startTestService, stopAll, waitFor, waitUntilBlocked } from './helpers.ts';

const test = suite('runner: runs');
test.after(async () => {
  await stopAll();
  await closePools();
});

test.before(async () => {
  await insertRecordings(db(), 60);
});

async function requestRun(job: number): Promise<string> {
  return (await db().query<{ id: string }>('SELECT conflag.request_run($1) AS id', [String(job)])).rows[0].id;
}

async function fireTick(job: number, service: { loops: { scheduler: { runNow(): Promise<void> } } }) {
  await db().query(`UPDATE conflag.job_schedules SET next_tick_at = now() - interval '1 second' WHERE job_id = $1`, [job]);
  await service.loops.scheduler.runNow();
}

async function waitingInQueue(key: string): Promise<number> {
  const { rows } = await db().query(`SELECT count(*)::int AS n FROM ${BOSS_SCHEMA}.job WHERE singleton_key = $1 AND state IN ('created', 'retry')`, [key]);
  return rows[0].n;
}

test('one run per job: a tick during a run is recorded as skipped; with every worker busy, ticks merge into one queued run', async () => {
  const service = await startTestService({ config: { concurrency: 2 } });
  const pool = db();
  // Feb 29: never due by the real clock during a test; its ticks come from fireTick.
  const job = await insertJob(pool, { name: 'long one', schedule: '0 5 29 2 *' });
  const other = await insertJob(pool, { name: 'also blocked' });
  await waitFor(async () => (await pool.query('SELECT 1 FROM conflag.job_schedules WHERE job_id = $1', [job])).rowCount, { what: 'the schedule' });
  const lock = await lockMatchingRecording(pool);
  try {
    await requestRun(job);
    await waitFor(async () => (await runsOf(pool, job))[0]?.status === 'running', { what: 'the first run to be running' });
    // A tick while it runs, with a free worker: executed at once, recorded as skipped.
    await fireTick(job, service);
    await waitFor(async () => (await runsOf(pool, job)).length === 2, { what: 'the skipped run' });
    const [first, skipped] = await runsOf(pool, job);
    assert.is(first.status, 'running');
    assert.equal([skipped.trigger, skipped.status], ['schedule', 'skipped']);
    assert.match(skipped.error!, `job is already running (run ${first.id}`);
    // Now both workers are busy (a second job blocks on the same row): further ticks wait, merged into one.
    await requestRun(other);
    await waitFor(async () => (await runsOf(pool, other))[0]?.status === 'running', { what: 'the other run to be running' });
    const merged = await metricValue(service.metrics.ticks, { result: 'merged' });
    for (let i = 0; i < 3; i++) await fireTick(job, service);
    assert.is(await waitingInQueue(`schedule:${job}`), 1, 'one queued tick for the job');
    assert.is((await metricValue(service.metrics.ticks, { result: 'merged' })) - merged, 2);
    assert.is((await runsOf(pool, job)).length, 2, 'no run started meanwhile');
  } finally {
    await lock.release();
  }
  await waitFor(async () => (await runsOf(pool, job)).length === 3 && (await runsOf(pool, job)).every((r) => r.status !== 'running'), {
    what: 'the merged tick to run after the first run',
  });
  const runs = await runsOf(pool, job);
  assert.equal(runs.map((r) => r.status), ['succeeded', 'skipped', runs[2].status]);
  assert.ok(['succeeded', 'skipped'].includes(runs[2].status));
  assert.is(await waitingInQueue(`schedule:${job}`), 0);
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM conflag.job_runs WHERE job_id = $1 AND status = 'running'`, [job]);
  assert.is(rows[0].n, 0);
});

test('two runners never run one job at the same time; requests made meanwhile are answered, none is lost', async () => {
  const pool = db();
  await startTestService();
  const job = await insertJob(pool, { name: 'contended' });
  await pool.query('UPDATE conflag.recordings SET confidential = false');
  const lock = await lockMatchingRecording(pool);
  const requests: string[] = [];
  try {
    requests.push(await requestRun(job));
    await waitFor(async () => (await runsOf(pool, job))[0]?.status === 'running', { what: 'the first run' });
    for (let i = 0; i < 3; i++) requests.push(await requestRun(job));
    // Each request meanwhile is answered by a run that found the job busy (skipped), or waits for one.
    await waitFor(async () => (await pool.query('SELECT 1 FROM conflag.run_requests WHERE job_id = $1 AND run_id IS NULL', [job])).rowCount === 0, {
      timeoutMs: 10_000, what: 'every request to be answered',
    });
    const runs = await runsOf(pool, job);
    assert.equal(runs.filter((r) => r.status === 'running').length, 1, JSON.stringify(runs));
    assert.ok(runs.slice(1).every((r) => r.status === 'skipped'), JSON.stringify(runs));
    assert.ok(runs.length <= 4, `at most one run per request: ${runs.length}`);
  } finally {
    await lock.release();
  }
  await waitFor(async () => (await runsOf(pool, job)).every((r) => r.status !== 'running'), { what: 'the run to finish' });
  const { rows } = await pool.query(
    `SELECT q.id::text AS request, r.status FROM conflag.run_requests q JOIN conflag.job_runs r ON r.id = q.run_id WHERE q.job_id = $1 ORDER BY q.id`,
    [job],
  );
  assert.equal(rows.map((r) => r.request), requests);
  assert.is(rows[0].status, 'succeeded');
});

test('a failed run is retried with its attempt number; every attempt is in the history', async () => {
  const pool = db();
  await pool.query('UPDATE conflag.recordings SET confidential = false WHERE confidential');
  await pool.query(`CREATE SEQUENCE fail_first_update`);
  await pool.query(`
    CREATE FUNCTION fail_first_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('fail_first_update') = 1 THEN RAISE EXCEPTION 'simulated outage'; END IF;
      RETURN NEW;
    END $$`);
  await pool.query(`CREATE TRIGGER fail_first_update BEFORE UPDATE ON conflag.recordings FOR EACH STATEMENT EXECUTE FUNCTION fail_first_update()`);
  try {
    const job = await insertJob(pool, { name: 'flaky' });
    const request = await requestRun(job);
    const runs = await waitFor(async () => {
      const list = await runsOf(pool, job);
      return list.length === 2 && list[1].status !== 'running' ? list : undefined;
    }, { timeoutMs: 15_000, what: 'a failed attempt and a retry' });
    assert.equal(runs.map((r) => [r.attempt, r.status, r.trigger, r.request_id]), [[1, 'failed', 'manual', request], [2, 'succeeded', 'manual', request]]);
    assert.match(runs[0].error!, 'simulated outage');
    assert.is(runs[1].changed, '20');
  } finally {
    await pool.query('DROP TRIGGER fail_first_update ON conflag.recordings');
  }
});

test('retries stop at the retry limit', async () => {
  const pool = db();
  await pool.query(`CREATE FUNCTION always_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'always down'; END $$`);
  await pool.query(`CREATE TRIGGER always_fail BEFORE UPDATE ON conflag.recordings FOR EACH STATEMENT EXECUTE FUNCTION always_fail()`);
  await stopAll();
  await startTestService({ config: { retryLimit: 1 } });
  try {
    const job = await insertJob(pool, { name: 'hopeless', action: 'clear' });
    await requestRun(job);
    await waitFor(async () => (await runsOf(pool, job)).filter((r) => r.status === 'failed').length === 2, { timeoutMs: 15_000, what: 'two failed attempts' });
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal((await runsOf(pool, job)).map((r) => [r.attempt, r.status]), [[1, 'failed'], [2, 'failed']]);
  } finally {
    await pool.query('DROP TRIGGER always_fail ON conflag.recordings');
  }
});

/** The 60 recordings afresh, ten to a block in id order (earlier tests' flag updates moved rows between blocks). */
async function freshRecordings(pool: pg.Pool): Promise<void> {
  await pool.query('TRUNCATE conflag.recordings');
  await insertRecordings(pool, 60);
}

test('a run over the execution time limit is aborted between batches, keeps its committed batches, and is not retried', async () => {
  await stopAll();
  const pool = db();
  await freshRecordings(pool);
  // The executor reads its clock at the start and twice per batch (limit check, statement timeout); it jumps two
  // minutes after the second batch, so the 1-minute limit is hit before the third.
  let checks = 0;
  const service = await startTestService({
    executeRun: (p, id, options) => executeRun(p, id, {
      ...options, parallelism: 1, batchUnits: 1, clock: () => Date.now() + (++checks > 5 ? 120_000 : 0),
    }),
  });
  const job = await insertJob(pool, { name: 'too slow', execution_time_limit_minutes: 1 });
  const request = await requestRun(job);
  await waitFor(async () => (await runsOf(pool, job))[0]?.status === 'aborted', { timeoutMs: 10_000, what: 'the aborted run' });
  await new Promise((r) => setTimeout(r, 2_500));
  const runs = await runsOf(pool, job);
  assert.is(runs.length, 1, 'not retried');
  assert.match(runs[0].error!, /execution time limit of 1 minutes? reached after 2 batches/);
  assert.is(runs[0].changed, '6', 'the first two batches (blocks 0-1: ids 1-20) stay applied');
  assert.equal(await confidentialCalls(pool), ['call-3', 'call-6', 'call-9', 'call-12', 'call-15', 'call-18']);
  const { rows } = await pool.query(`SELECT expire_seconds, state FROM ${BOSS_SCHEMA}.job WHERE singleton_key = $1`, [`request:${job}`]);
  assert.equal(rows, [{ expire_seconds: 360, state: 'completed' }], 'pg-boss expiry is the limit plus 5 minutes');
  assert.is((await db().query(`SELECT run_id::text FROM conflag.run_requests WHERE id = $1`, [request])).rows[0].run_id, runs[0].id);
  assert.is(await metricValue(service.metrics.runs, { status: 'aborted', trigger: 'manual' }), 1);
});

test("a run stopped by one runner's shutdown is taken over by another runner", async () => {
  await stopAll();
  const pool = db();
  await freshRecordings(pool);
  const first = await startTestService({ config: { shutdownTimeoutMs: 1_000 }, executeRun: (p, id, o) => executeRun(p, id, { ...o, parallelism: 1, batchUnits: 2 }) });
  const job = await insertJob(pool, { name: 'handed over' });
  const lock = await lockMatchingRecording(pool);
  await requestRun(job);
  await waitUntilBlocked(pool, job);
  const second = await startTestService();
  const stopping = first.stop();
  await new Promise((r) => setTimeout(r, 300));
  await lock.release();
  await stopping;
  const runs = await waitFor(async () => {
    const list = await runsOf(pool, job);
    return list.length === 2 && list[1].status === 'succeeded' ? list : undefined;
  }, { timeoutMs: 15_000, what: 'the second runner to finish the job' });
  assert.equal(runs.map((r) => [r.attempt, r.status]), [[1, 'aborted'], [2, 'succeeded']]);
  assert.match(runs[0].error!, /stopped between batches \(runner shutting down\) after 1 batches/);
  assert.ok((await metricValue(second.metrics.runs, { status: 'succeeded', trigger: 'manual' })) >= 1);
});

async function confidentialCalls(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ call_id: string }>(`SELECT call_id FROM conflag.recordings WHERE confidential ORDER BY id`);
  return rows.map((r) => r.call_id);
}

test.run();
