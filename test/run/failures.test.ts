// When runs go wrong: a statement error rolls back its batch and fails the run; a stop request aborts between
// batches; the execution time limit aborts between batches or cancels the statement in progress; a second start
// is recorded as skipped; a job deleted mid-run stops it. The run row never stays 'running'.
import * as assert from 'uvu/assert';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { confidentialIds, holdRow, insertJob, insertRecordings, longCalls, resetRunData, runRow, waitUntilBlocked } from './fixtures.ts';

const test = suite('run: failures, limits and concurrency');
test.after(closePools);
test.before.each(() => resetRunData(openPool()));

const allLong = () => 9000;
const runningCount = async (pool: ReturnType<typeof openPool>) =>
  (await pool.query(`SELECT count(*)::int AS n FROM conflag.job_runs WHERE status = 'running'`)).rows[0].n as number;

test('a statement error fails the run, rolls back its batch and keeps the committed ones', async () => {
  const pool = openPool();
  // A fact whose expression fails at run time for one recording: division by zero when duration = 4242.
  await pool.query(`INSERT INTO conflag.attributes (name, type, expression, description)
                    VALUES ('test_ratio', 'number', '(100000 / (r.duration - 4242))', 'test only: fails for duration 4242')`);
  try {
    const ids = await insertRecordings(pool, 30, { duration: (i) => (i === 15 ? 4242 : 9000), perBlock: 10 });
    const jobId = await insertJob(pool, { name: 'boom', condition: { all: [{ fact: 'test_ratio', operator: 'greaterThan', value: 0 }] } });
    const result = await executeRun(pool, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 1 });
    assert.is(result.status, 'failed');
    assert.is(result.error, 'batch 2 (blocks 1 to 1 of conflag.recordings) failed and was rolled back: division by zero (SQLSTATE 22012)');
    assert.equal(await confidentialIds(pool), ids.slice(0, 10), 'batch 1 stays applied, batch 2 is rolled back, batch 3 never ran');
    const run = await runRow(pool, result.runId);
    assert.equal({ status: run.status, batches: run.batches, matched: run.matched, changed: run.changed, scanned_units: run.scanned_units, error: run.error },
      { status: 'failed', batches: 1, matched: 10, changed: 10, scanned_units: 1, error: result.error });
    assert.ok(run.finished_at);
    assert.is(await runningCount(pool), 0);
  } finally {
    await pool.query(`DELETE FROM conflag.jobs`);
    await pool.query(`DELETE FROM conflag.attributes WHERE name = 'test_ratio'`);
  }
});

test('a stop request (AbortSignal) ends the run between batches as aborted', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 30, { duration: allLong, perBlock: 10 });
  const jobId = await insertJob(pool, { name: 'stop', condition: longCalls });
  const controller = new AbortController();
  const result = await executeRun(pool, jobId, {
    trigger: 'manual', parallelism: 1, batchUnits: 1, signal: controller.signal,
    onProgress: (p) => p.batches === 2 && controller.abort(new Error('SIGTERM')),
  });
  assert.is(result.status, 'aborted');
  assert.is(result.error, 'stopped between batches (SIGTERM) after 2 batches; the committed batches stay applied');
  assert.equal(await confidentialIds(pool), ids.slice(0, 20));
  assert.equal((await runRow(pool, result.runId)).status, 'aborted');
  // An already aborted signal: the run starts, records itself and stops before its first batch.
  const early = await executeRun(pool, jobId, { trigger: 'manual', signal: AbortSignal.abort('shutting down') });
  assert.equal({ status: early.status, batches: early.batches }, { status: 'aborted', batches: 0 });
  assert.match(early.error!, 'shutting down');
});

test('the execution time limit aborts between batches', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 30, { duration: allLong, perBlock: 10 });
  const jobId = await insertJob(pool, { name: 'limit', condition: longCalls, execution_time_limit_minutes: 2 });
  let now = 1_000_000;
  const result = await executeRun(pool, jobId, {
    trigger: 'manual', parallelism: 1, batchUnits: 1, clock: () => now,
    onProgress: (p) => { if (p.batches === 1) now += 120_000; },
  });
  assert.is(result.status, 'aborted');
  assert.is(result.error, 'execution time limit of 2 minutes reached after 1 batches; the committed batches stay applied');
  assert.equal(await confidentialIds(pool), ids.slice(0, 10));
});

test('the execution time limit cancels a statement that runs past it: the batch rolls back, the run is aborted', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 30, { duration: allLong, perBlock: 10 });
  const jobId = await insertJob(pool, { name: 'cancel', condition: longCalls, execution_time_limit_minutes: 1 });
  let now = 1_000_000;
  const held = await holdRow(pool, ids[15]); // batch 2 waits for this lock ...
  try {
    const result = await executeRun(pool, jobId, {
      trigger: 'manual', parallelism: 1, batchUnits: 1, clock: () => now,
      onProgress: (p) => { if (p.batches === 1) now += 59_700; }, // ... longer than the 300 ms left
    });
    assert.is(result.status, 'aborted');
    assert.is(result.error, 'execution time limit of 1 minute reached: the batch in progress (blocks 1 to 1 of conflag.recordings) was cancelled and rolled back; the 1 committed batches stay applied');
    const run = await runRow(pool, result.runId);
    assert.equal({ status: run.status, batches: run.batches, changed: run.changed, scanned_units: run.scanned_units }, { status: 'aborted', batches: 1, changed: 10, scanned_units: 1 });
  } finally {
    await held.release();
  }
  assert.equal(await confidentialIds(pool), ids.slice(0, 10), 'nothing of batch 2 was applied');
  const { rows } = await pool.query(`SELECT current_setting('statement_timeout') AS t`);
  assert.is(rows[0].t, '0', 'the limit was set for the batch transaction only');
});

test('a stop request whose batch is then cancelled (runner shutdown timeout) is aborted, the batch rolled back', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 30, { duration: allLong, perBlock: 10 });
  const jobId = await insertJob(pool, { name: 'shutdown', condition: longCalls });
  const held = await holdRow(pool, ids[15]);
  const controller = new AbortController();
  let running;
  try {
    running = executeRun(pool, jobId, { trigger: 'schedule', parallelism: 1, batchUnits: 1, signal: controller.signal });
    const blocked = await waitUntilBlocked(pool, jobId);
    controller.abort('SIGTERM');
    await pool.query(`SELECT pg_cancel_backend($1)`, [blocked.pid]);
  } finally {
    await held.release();
  }
  const result = await running;
  assert.is(result.status, 'aborted');
  assert.is(result.error, 'stopped (SIGTERM): the batch in progress (blocks 1 to 1 of conflag.recordings) was cancelled and rolled back; the 1 committed batches stay applied');
  assert.equal(await confidentialIds(pool), ids.slice(0, 10));
});

test('one running run per job: a second start is recorded as skipped, naming the running run', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 10, { duration: allLong, perBlock: 10 });
  const jobId = await insertJob(pool, { name: 'once', condition: longCalls });
  const held = await holdRow(pool, ids[3]);
  let first;
  let second;
  try {
    first = executeRun(pool, jobId, { trigger: 'schedule' });
    const running = await waitUntilBlocked(pool, jobId);
    second = await executeRun(pool, jobId, { trigger: 'manual' });
    assert.is(second.status, 'skipped');
    assert.is(second.runningRunId, running.id);
    const skippedRow = await runRow(pool, second.runId);
    assert.equal({ status: skippedRow.status, trigger: skippedRow.trigger, batches: skippedRow.batches }, { status: 'skipped', trigger: 'manual', batches: 0 });
    assert.match(skippedRow.error!, `job is already running (run ${running.id}, started `);
    assert.ok(skippedRow.finished_at);
  } finally {
    await held.release();
  }
  const done = await first;
  assert.is(done.status, 'succeeded');
  assert.is(done.changed, 10);
  const third = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.is(third.status, 'succeeded', 'the job runs again once the first run ended');
  const unique = await pool.query(
    `SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'job_runs_one_running_per_job' AND indexdef LIKE '%WHERE (status = ''running''::text)%'`,
  );
  assert.is(unique.rows[0].n, 1);
});

test('a run that answers requests is linked to every request of its job waiting for one, and names the first', async () => {
  const pool = openPool();
  await insertRecordings(pool, 3, { duration: allLong, perBlock: 10 });
  const jobId = await insertJob(pool, { name: 'requested', condition: longCalls });
  const other = await insertJob(pool, { name: 'not requested', condition: longCalls });
  const { rows } = await pool.query(`SELECT conflag.request_run('requested')::text AS id FROM generate_series(1, 3)`);
  const { rows: [elsewhere] } = await pool.query(`SELECT conflag.request_run('not requested')::text AS id`);
  const result = await executeRun(pool, jobId, { trigger: 'manual', answerRequests: true });
  const requests = await pool.query(`SELECT id::text, run_id::text, picked_up_at FROM conflag.run_requests WHERE job_id = $1 ORDER BY id`, [jobId]);
  assert.equal(requests.rows.map((r) => [r.id, r.run_id]), rows.map((r) => [r.id, result.runId]));
  assert.ok(requests.rows.every((r) => r.picked_up_at), 'answered requests count as picked up');
  assert.is((await pool.query(`SELECT request_id::text FROM conflag.job_runs WHERE id = $1`, [result.runId])).rows[0].request_id, rows[0].id);
  const untouched = await pool.query(`SELECT run_id, picked_up_at FROM conflag.run_requests WHERE id = $1`, [elsewhere.id]);
  assert.equal(untouched.rows[0], { run_id: null, picked_up_at: null }, `job ${other}'s request waits for its own run`);
  const next = await executeRun(pool, jobId, { trigger: 'manual', answerRequests: true });
  assert.is((await pool.query(`SELECT request_id FROM conflag.job_runs WHERE id = $1`, [next.runId])).rows[0].request_id, null, 'nothing left to answer');
});

test('a job deleted during its run stops the run (aborted, its batch rolled back) and keeps its history', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 20, { duration: allLong, perBlock: 10 });
  const jobId = await insertJob(pool, { name: 'doomed', condition: longCalls });
  const held = await holdRow(pool, ids[12]);
  let running;
  try {
    running = executeRun(pool, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 1 });
    await waitUntilBlocked(pool, jobId);
    await pool.query(`DELETE FROM conflag.jobs WHERE id = $1`, [jobId]);
  } finally {
    await held.release();
  }
  const result = await running;
  assert.is(result.status, 'aborted');
  assert.is(result.error, 'the job was deleted during the run; stopped after 1 batches');
  assert.equal(await confidentialIds(pool), ids.slice(0, 10));
  const { rows } = await pool.query(`SELECT job_id, job_name, status FROM conflag.job_runs WHERE id = $1`, [result.runId]);
  assert.equal(rows[0], { job_id: null, job_name: 'doomed', status: 'aborted' });
});

test.run();
