// A run's liveness is its database session (issue 10): while a run is in progress its session holds the job's
// liveness lock (conflag.run_lock_key). A 'running' row whose lock nobody holds is a dead run: the next run of the
// job, the keep-alive and reset_incremental_state record it as interrupted (retry_planned = its retryable) and go
// on. A live run is never taken for dead; a retry waits for its own earlier attempt; the runner's heartbeat moves
// while a batch is busy; every statement is bounded by the run's time budget.
import * as assert from 'uvu/assert';
import { executeRun } from '../../src/run/executeRun.ts';
import { recordHeartbeat } from '../../src/sql/recordHeartbeat.ts';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { confidentialIds, holdRow, insertJob, insertRecordings, longCalls, resetRunData, runRow, waitFor, waitUntilBlocked } from './fixtures.ts';

const test = suite('run: liveness and takeover');
test.after(closePools);
test.before.each(() => resetRunData(openPool()));

type Pool = ReturnType<typeof openPool>;

/** A run left 'running' by a runner that is gone: its row, with no session holding the job's liveness lock. */
async function deadRun(pool: Pool, jobId: string, options: { retryable?: boolean; queueJobId?: string; batches?: number } = {}): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO conflag.job_runs (job_id, job_name, trigger, attempt, as_of, timezone, mode, action, condition, runner, retryable, queue_job_id, batches)
     VALUES ($1, 'dead', 'schedule', 1, now(), 'UTC', 'full', 'set', '{"all": []}', 'gone-host/4242', $2, $3::uuid, $4) RETURNING id::text`,
    [jobId, options.retryable ?? false, options.queueJobId ?? null, options.batches ?? 0],
  );
  return rows[0].id;
}

async function runsOf(pool: Pool, jobId: string) {
  const { rows } = await pool.query<{ id: string; status: string; retry_planned: boolean; error: string | null }>(
    `SELECT id::text, status, retry_planned, error FROM conflag.job_runs WHERE job_id = $1 ORDER BY id`,
    [jobId],
  );
  return rows;
}

/** Whether some session holds the job's liveness lock right now. */
async function lockHeld(pool: Pool, jobId: string): Promise<boolean> {
  return (await pool.query(`SELECT conflag.job_run_alive($1) AS alive`, [jobId])).rows[0].alive;
}

test('the next run of a job takes over from a dead run: it records it interrupted and runs, instead of being skipped', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 20, { duration: () => 9000 });
  const jobId = await insertJob(pool, { name: 'taken over', condition: longCalls });
  const dead = await deadRun(pool, jobId, { batches: 3 });
  const result = await executeRun(pool, jobId, { trigger: 'manual', attempt: 2 });
  assert.is(result.status, 'succeeded');
  assert.equal(await confidentialIds(pool), ids);
  const [before, after] = await runsOf(pool, jobId);
  assert.equal([before.id, before.status, before.retry_planned, after.id, after.status], [dead, 'interrupted', false, result.runId, 'succeeded']);
  assert.match(before.error!, /^interrupted: its database session ended without recording the end of the run \(runner gone-host\/4242 killed or crashed, the database restarted, or the connection was lost\) after 3 committed batches, which stay applied; noticed by the next run of the job \(manual, attempt 2\) on \S+$/);
  assert.not.ok(await lockHeld(pool, jobId), 'the finished run released the lock');
});

test('an interrupted run is retry_planned exactly when its attempt was retryable, so only the last attempt e-mails', async () => {
  const pool = openPool();
  const jobId = await insertJob(pool, { name: 'retried', condition: longCalls });
  const retried = await deadRun(pool, jobId, { retryable: true });
  const { rows } = await pool.query(`SELECT run_id::text AS id, reason FROM conflag.expire_stalled_runs()`);
  assert.equal(rows, [{ id: retried, reason: 'session ended' }]);
  const last = await deadRun(pool, jobId, { retryable: false });
  await pool.query(`SELECT * FROM conflag.expire_stalled_runs()`);
  const runs = await runsOf(pool, jobId);
  assert.equal(runs.map((r) => [r.id, r.status, r.retry_planned]), [[retried, 'interrupted', true], [last, 'interrupted', false]]);
  assert.match(runs[0].error!, /; the run is retried$/);
  assert.not.match(runs[1].error!, /retried/);
});

test('a run in progress is never taken for dead: the next run is skipped, the keep-alive leaves it alone, its lock is held', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 10, { duration: () => 9000 });
  const jobId = await insertJob(pool, { name: 'alive', condition: longCalls, keep_alive_timeout_minutes: 1 });
  const held = await holdRow(pool, ids[4]);
  let running;
  try {
    running = executeRun(pool, jobId, { trigger: 'schedule' });
    const blocked = await waitUntilBlocked(pool, jobId);
    assert.ok(await lockHeld(pool, jobId));
    assert.is((await pool.query(`SELECT * FROM conflag.expire_stalled_runs()`)).rowCount, 0);
    const second = await executeRun(pool, jobId, { trigger: 'manual' });
    assert.equal([second.status, second.runningRunId], ['skipped', blocked.id]);
    const reset = await pool.query(`SELECT conflag.reset_incremental_state('alive')`).then(() => null, (error: Error & { code?: string }) => error.code);
    assert.is(reset, 'CF302', 'reset_incremental_state still refuses while the run is alive');
  } finally {
    await held.release();
  }
  assert.is((await running).status, 'succeeded');
});

test('reset_incremental_state is not blocked by a dead run: it records it interrupted and resets', async () => {
  const pool = openPool();
  const jobId = await insertJob(pool, { name: 'reset me', condition: longCalls });
  const dead = await deadRun(pool, jobId);
  await pool.query(`SELECT conflag.reset_incremental_state('reset me')`);
  assert.equal((await runsOf(pool, jobId)).map((r) => [r.id, r.status]), [[dead, 'interrupted']]);
});

test("a run whose session is terminated records itself as interrupted from another connection, and the job runs again", async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 30, { duration: () => 9000, perBlock: 10 });
  const jobId = await insertJob(pool, { name: 'cut off', condition: longCalls });
  const held = await holdRow(pool, ids[15]);
  let running;
  try {
    running = executeRun(pool, jobId, { trigger: 'schedule', parallelism: 1, batchUnits: 1, retryPlannedOnFailure: true });
    const blocked = await waitUntilBlocked(pool, jobId);
    await pool.query(`SELECT pg_terminate_backend($1)`, [blocked.pid]);
  } finally {
    await held.release();
  }
  const result = await running;
  assert.is(result.status, 'interrupted');
  assert.is(result.retryPlanned, true);
  assert.match(result.error!, /^interrupted: the run's database session ended \(terminating connection due to administrator command \(SQLSTATE 57P01\)\); the batch in progress \(blocks 1 to 1 of conflag.recordings\) was rolled back; the 1 committed batches stay applied$/);
  assert.equal(await confidentialIds(pool), ids.slice(0, 10));
  assert.not.ok(await lockHeld(pool, jobId));
  assert.is((await executeRun(pool, jobId, { trigger: 'manual' })).status, 'succeeded');
});

test('a retry waits for its own earlier attempt, still alive, to end, then starts — it is not skipped', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 10, { duration: () => 9000 });
  const jobId = await insertJob(pool, { name: 'patient', condition: longCalls });
  const queueJobId = '0190e2c4-0000-4000-8000-000000000001';
  const held = await holdRow(pool, ids[4]);
  let first;
  let retry;
  try {
    first = executeRun(pool, jobId, { trigger: 'schedule', queueJobId, attempt: 1 });
    await waitUntilBlocked(pool, jobId);
    retry = executeRun(pool, jobId, { trigger: 'schedule', queueJobId, attempt: 2 });
    await waitFor('the retry to wait for the liveness lock', async () => {
      const { rows } = await pool.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                                          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
      return rows.length > 0;
    });
    assert.equal((await runsOf(pool, jobId)).map((r) => r.status), ['running'], 'no skipped run was recorded');
  } finally {
    await held.release();
  }
  assert.is((await first).status, 'succeeded');
  const second = await retry;
  assert.is(second.status, 'succeeded');
  assert.equal((await runsOf(pool, jobId)).map((r) => r.status), ['succeeded', 'succeeded']);
});

test('a heartbeat moves heartbeat_at while the run is busy in a statement, and never waits for the run\'s own row lock', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 10, { duration: () => 9000 });
  const jobId = await insertJob(pool, { name: 'beating', condition: longCalls });
  const held = await holdRow(pool, ids[4]);
  let running;
  try {
    running = executeRun(pool, jobId, { trigger: 'schedule' });
    const blocked = await waitUntilBlocked(pool, jobId);
    const before = (await pool.query(`SELECT heartbeat_at FROM conflag.job_runs WHERE id = $1`, [blocked.id])).rows[0].heartbeat_at;
    assert.is(await recordHeartbeat(pool, blocked.id), 'ok');
    const after = (await pool.query(`SELECT heartbeat_at FROM conflag.job_runs WHERE id = $1`, [blocked.id])).rows[0].heartbeat_at;
    assert.ok(after > before, `${after.toISOString()} > ${before.toISOString()}`);
    // Another session writing the row (as a batch recording its progress does): the heartbeat does not wait.
    const writer = await pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(`UPDATE conflag.job_runs SET batches = batches WHERE id = $1`, [blocked.id]);
      assert.is(await recordHeartbeat(pool, blocked.id), 'busy');
    } finally {
      await writer.query('ROLLBACK');
      writer.release();
    }
  } finally {
    await held.release();
  }
  const done = await running;
  assert.is(await recordHeartbeat(pool, done.runId), 'ended');
});

test("every statement of a run is bounded by its time budget: the session's statement_timeout, and what is left for each batch", async () => {
  const pool = openPool();
  await insertRecordings(pool, 30, { duration: () => 9000, perBlock: 10 });
  const noLimit = await insertJob(pool, { name: 'no limit', condition: longCalls });
  const limited = await insertJob(pool, { name: 'limited', condition: longCalls, execution_time_limit_minutes: 7 });
  // Test-only: what statement_timeout the run's own session has whenever it writes its run row (through conflag's
  // SECURITY DEFINER functions, whose search_path is fixed: hence public.seen_timeouts).
  await pool.query(`CREATE TABLE seen_timeouts (run_id bigint, scan text, batches int, timeout text)`);
  await pool.query(`CREATE FUNCTION see_timeout() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('application_name') = 'conflag-run:' || NEW.id THEN
        INSERT INTO public.seen_timeouts VALUES (NEW.id, NEW.scan, NEW.batches, current_setting('statement_timeout'));
      END IF;
      RETURN NEW;
    END $$`);
  await pool.query(`CREATE TRIGGER see_timeout BEFORE UPDATE ON conflag.job_runs FOR EACH ROW EXECUTE FUNCTION see_timeout()`);
  try {
    for (const [jobId, minutes] of [[noLimit, 1435], [limited, 7]] as const) {
      const result = await executeRun(pool, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 1 });
      assert.is(result.status, 'succeeded');
      const { rows } = await pool.query(`SELECT batches, timeout FROM seen_timeouts WHERE run_id = $1 ORDER BY batches`, [result.runId]);
      // The scan is recorded with the session's budget; each batch with what is left of it (less, within a minute).
      const toMs = (t: string) => Number(/^(\d+)ms$/.exec(t)?.[1] ?? (/^(\d+)min$/.exec(t) ? Number(/^(\d+)min$/.exec(t)![1]) * 60_000 : NaN));
      const budget = minutes * 60_000;
      assert.is(toMs(rows[0].timeout), budget, `the session's statement_timeout: ${rows[0].timeout}`);
      const batches = rows.filter((r) => r.batches > 0);
      assert.ok(batches.length >= 2, JSON.stringify(rows));
      for (const batch of batches) {
        const left = toMs(batch.timeout);
        assert.ok(left <= budget && left > budget - 60_000, `batch ${batch.batches}: ${batch.timeout} of ${budget} ms`);
      }
      await pool.query(`UPDATE conflag.recordings SET confidential = false`);
    }
  } finally {
    await pool.query(`DROP TRIGGER see_timeout ON conflag.job_runs`);
  }
  const { rows } = await pool.query(`SELECT current_setting('statement_timeout') AS t`);
  assert.is(rows[0].t, '0', 'the pooled connections are back to no limit');
});

test('a job without an execution time limit is still bounded: a batch past the longest time a run may last is cancelled', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 30, { duration: () => 9000, perBlock: 10 });
  const jobId = await insertJob(pool, { name: 'unbounded?', condition: longCalls });
  let now = 1_000_000;
  const held = await holdRow(pool, ids[15]);
  try {
    const result = await executeRun(pool, jobId, {
      trigger: 'manual', parallelism: 1, batchUnits: 1, clock: () => now,
      onProgress: (p) => { if (p.batches === 1) now += 1435 * 60_000 - 300; }, // batch 2 gets the last 300 ms
    });
    assert.is(result.status, 'aborted');
    assert.is(result.error, 'longest time a run may last (1435 minutes: the job has no execution time limit, and the run queue holds a run for at most 24 hours) reached: the batch in progress (blocks 1 to 1 of conflag.recordings) was cancelled and rolled back; the 1 committed batches stay applied');
  } finally {
    await held.release();
  }
  assert.equal(await confidentialIds(pool), ids.slice(0, 10));
});

test.run();
