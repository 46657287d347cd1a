// Keep-alive (expire_stalled_runs), history retention (prune_history) and the job_status view.
import * as assert from 'uvu/assert';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { confidentialIds, holdRow, insertJob, insertRecordings, longCalls, resetRunData, runRow, waitFor, waitUntilBlocked } from './fixtures.ts';

const test = suite('run: keep-alive, history, job_status');
test.after(closePools);
test.before.each(() => resetRunData(openPool()));

type Pool = ReturnType<typeof openPool>;

/** A finished run written directly, as history. */
async function pastRun(pool: Pool, jobId: string | null, status: string, finishedDaysAgo: number, name = 'past'): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO conflag.job_runs (job_id, job_name, trigger, status, started_at, finished_at, heartbeat_at, as_of, timezone, mode, action, condition, error)
     VALUES ($1::bigint, $2, 'schedule', $3, now() - $4::float8 * interval '1 day' - interval '1 minute', now() - $4::float8 * interval '1 day',
             now() - $4::float8 * interval '1 day', now() - $4::float8 * interval '1 day', 'UTC', 'full', 'set', '{"all": []}', CASE WHEN $3 = 'failed' THEN 'boom' END)
     RETURNING id::text`,
    [jobId, name, status, finishedDaysAgo],
  );
  return rows[0].id;
}

test('expire_stalled_runs interrupts a run whose runner wrote no heartbeat for keep_alive_timeout_minutes and terminates its session', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 10, { duration: () => 9000 });
  const jobId = await insertJob(pool, { name: 'stuck', condition: longCalls, keep_alive_timeout_minutes: 5 });
  const held = await holdRow(pool, ids[4]);
  let running;
  let blocked;
  try {
    running = executeRun(pool, jobId, { trigger: 'schedule' });
    blocked = await waitUntilBlocked(pool, jobId);
    const early = await pool.query(`SELECT * FROM conflag.expire_stalled_runs(now() + interval '4 minutes')`);
    assert.is(early.rowCount, 0, 'not stalled yet');
    // Six minutes on, its last heartbeat is older than the 5-minute keep-alive timeout.
    const expired = await pool.query(`SELECT run_id::text AS id, reason FROM conflag.expire_stalled_runs(now() + interval '6 minutes')`);
    assert.equal(expired.rows, [{ id: blocked.id, reason: 'no heartbeat' }]);
  } finally {
    await held.release();
  }
  const result = await running;
  const expected = /^interrupted by the keep-alive: no heartbeat from its runner \S+ for 5 minutes \(keep_alive_timeout_minutes\): the runner stopped responding; its session was terminated and its batch in progress rolled back; the 0 committed batches stay applied$/;
  assert.is(result.status, 'interrupted');
  assert.match(result.error!, expected);
  const gone = await waitFor('the session to end', async () =>
    (await pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1`, [blocked.pid])).rows[0].n === 0);
  assert.ok(gone);
  assert.equal(await confidentialIds(pool), [], 'its batch was rolled back');
  const run = await runRow(pool, blocked.id);
  assert.is(run.status, 'interrupted');
  assert.match(run.error!, expected);
  const again = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.is(again.status, 'succeeded', 'the job can run again');
});

test('expire_stalled_runs never terminates an unrelated session that reuses a recorded pid', async () => {
  const pool = openPool();
  const jobId = await insertJob(pool, { name: 'orphan', condition: longCalls });
  const bystander = await pool.connect();
  try {
    const pid = (await bystander.query(`SELECT pg_backend_pid() AS pid`)).rows[0].pid;
    // A run left 'running' by a killed runner whose pid now belongs to another session.
    const { rows } = await pool.query(
      `INSERT INTO conflag.job_runs (job_id, job_name, trigger, as_of, timezone, mode, action, condition, backend_pid, heartbeat_at)
       VALUES ($1, 'orphan', 'schedule', now(), 'UTC', 'full', 'set', '{"all": []}', $2, now() - interval '20 minutes') RETURNING id::text`,
      [jobId, pid],
    );
    // Nobody holds its liveness lock: it is recorded as interrupted at once, and nothing is terminated.
    const expired = await pool.query(`SELECT run_id::text AS id, reason FROM conflag.expire_stalled_runs()`);
    assert.equal(expired.rows, [{ id: rows[0].id, reason: 'session ended' }]);
    assert.is((await bystander.query(`SELECT 1 AS ok`)).rows[0].ok, 1, 'the bystander session is alive');
    assert.match((await runRow(pool, rows[0].id)).error!, /^interrupted: its database session ended without recording the end of the run .* noticed by the keep-alive$/);
    assert.is((await pool.query(`SELECT count(*)::int AS n FROM conflag.expire_stalled_runs()`)).rows[0].n, 0, 'nothing left to expire');
  } finally {
    bystander.release();
  }
});

test('prune_history deletes successful runs older than keep_history_days (failures later), keeping each job\'s newest run and newest success', async () => {
  const pool = openPool();
  const jobId = await insertJob(pool, { name: 'history', condition: longCalls, keep_history_days: 10 });
  const other = await insertJob(pool, { name: 'other', condition: longCalls, keep_history_days: 100 });
  const oldSuccess = await pastRun(pool, jobId, 'succeeded', 40);
  const oldFailure = await pastRun(pool, jobId, 'failed', 30);
  const oldSkipped = await pastRun(pool, jobId, 'skipped', 20);
  const newestSuccess = await pastRun(pool, jobId, 'succeeded', 15);
  const newestFailure = await pastRun(pool, jobId, 'failed', 12);
  const recent = await pastRun(pool, jobId, 'succeeded', 5);
  const otherOld = await pastRun(pool, other, 'succeeded', 50);
  const otherOlder = await pastRun(pool, other, 'failed', 60);
  const orphanOld = await pastRun(pool, null, 'succeeded', 61, 'deleted job');
  const orphanNew = await pastRun(pool, null, 'succeeded', 59, 'deleted job');
  const { rows } = await pool.query(`SELECT conflag.prune_history() AS n`);
  assert.is(rows[0].n, 4);
  const left = (await pool.query(`SELECT r.id::text AS id FROM conflag.job_runs r ORDER BY r.id`)).rows.map((r) => r.id);
  // Failures are kept conflag.settings.keep_failed_runs_days (180 by default): test/run/retention.test.ts.
  assert.equal(left, [oldFailure, newestFailure, recent, otherOld, otherOlder, orphanNew]);
  assert.not.ok([oldSuccess, oldSkipped, newestSuccess, orphanOld].some((id) => left.includes(id)));

  // Only old runs: the newest run and the newest success survive.
  await pool.query(`DELETE FROM conflag.job_runs`);
  const s1 = await pastRun(pool, jobId, 'succeeded', 50);
  await pastRun(pool, jobId, 'succeeded', 40);
  const s3 = await pastRun(pool, jobId, 'succeeded', 30);
  const f1 = await pastRun(pool, jobId, 'failed', 20);
  assert.is((await pool.query(`SELECT conflag.prune_history(now()) AS n`)).rows[0].n, 2);
  assert.equal((await pool.query(`SELECT r.id::text AS id FROM conflag.job_runs r ORDER BY r.id`)).rows.map((r) => r.id), [s3, f1]);
  assert.ok(s1);
  // A later p_now prunes what is older than keep_history_days at that time; never a running run.
  await pool.query(`INSERT INTO conflag.job_runs (job_id, job_name, trigger, as_of, timezone, mode, action, condition) VALUES ($1, 'history', 'manual', now(), 'UTC', 'full', 'set', '{"all": []}')`, [other]);
  assert.is((await pool.query(`SELECT conflag.prune_history(now() + interval '1000 days') AS n`)).rows[0].n, 0);
});

test('two prune_history calls never overlap: the second returns 0 at once', async () => {
  const pool = openPool();
  const jobId = await insertJob(pool, { name: 'locked', condition: longCalls, keep_history_days: 1 });
  await pastRun(pool, jobId, 'succeeded', 10);
  await pastRun(pool, jobId, 'succeeded', 9);
  const first = await pool.connect();
  try {
    await first.query('BEGIN');
    await first.query(`SELECT pg_advisory_xact_lock(hashtext('conflag'), hashtext('conflag.prune_history'))`);
    assert.is((await pool.query(`SELECT conflag.prune_history() AS n`)).rows[0].n, 0);
    await first.query('ROLLBACK');
  } finally {
    first.release();
  }
  assert.is((await pool.query(`SELECT conflag.prune_history() AS n`)).rows[0].n, 1);
});

test('job_status shows the running run, the last finished run, the last success and consecutive failures', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 5, { duration: () => 9000 });
  const jobId = await insertJob(pool, { name: 'status', condition: longCalls });
  const idle = await insertJob(pool, { name: 'never ran', condition: longCalls });
  const ok = await pastRun(pool, jobId, 'succeeded', 3);
  await pastRun(pool, jobId, 'failed', 2);
  await pastRun(pool, jobId, 'aborted', 1.5);
  const lastFailed = await pastRun(pool, jobId, 'failed', 1);
  await pastRun(pool, jobId, 'skipped', 0.5);
  const status = async (id: string) => (await pool.query(`SELECT * FROM conflag.job_status WHERE job_id = $1`, [id])).rows[0];
  let row = await status(jobId);
  assert.equal(
    { name: row.name, enabled: row.enabled, schedule: row.schedule, mode: row.mode, action: row.action, running: row.running_run_id,
      last: row.last_run_id, last_status: row.last_status, last_error: row.last_error, success: row.last_success_run_id, failures: row.consecutive_failures },
    { name: 'status', enabled: true, schedule: 'manual', mode: 'full', action: 'set', running: null,
      last: lastFailed, last_status: 'failed', last_error: 'boom', success: ok, failures: 3 },
  );
  assert.ok(row.last_success_at instanceof Date);
  const never = await status(idle);
  assert.equal({ last: never.last_run_id, success: never.last_success_at, failures: never.consecutive_failures }, { last: null, success: null, failures: 0 });

  const held = await holdRow(pool, ids[2]);
  let running;
  try {
    running = executeRun(pool, jobId, { trigger: 'manual' });
    const blocked = await waitUntilBlocked(pool, jobId);
    row = await status(jobId);
    assert.equal({ running: row.running_run_id, batches: row.running_batches, last: row.last_run_id }, { running: blocked.id, batches: 0, last: lastFailed });
    assert.ok(row.running_since instanceof Date && row.running_heartbeat_at instanceof Date);
  } finally {
    await held.release();
  }
  const result = await running;
  row = await status(jobId);
  assert.equal(
    { running: row.running_run_id, last: row.last_run_id, last_status: row.last_status, matched: Number(row.last_matched), changed: Number(row.last_changed), success: row.last_success_run_id, failures: row.consecutive_failures },
    { running: null, last: result.runId, last_status: 'succeeded', matched: 5, changed: 5, success: result.runId, failures: 0 },
  );
});

test.run();
