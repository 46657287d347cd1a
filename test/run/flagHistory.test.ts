// The flag history across several real runs: one row per change, written by the batch statement that changed the
// flag (so a batch that rolls back leaves none), with the job's name copied; a re-run that changes nothing adds
// nothing; after the runs are pruned and the job deleted every flagged recording still has its answer; retention
// keeps each recording's newest row; the runner may append but never change or delete rows.
import * as assert from 'uvu/assert';
import pg from 'pg';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { dropMemberLogins, memberOf } from '../lib/loginRole.ts';
import { suite } from '../lib/suite.ts';
import { holdRow, insertJob, insertRecordings, longCalls, resetRunData, waitUntilBlocked } from './fixtures.ts';

const test = suite('run: flag history');
test.after(async () => {
  await closePools();
  await dropMemberLogins();
});
test.before.each(() => resetRunData(openPool()));

const internal = { all: [{ fact: 'tags', operator: 'contains', value: 'internal' }] };

interface HistoryRow {
  recording_id: string;
  old_confidential: boolean;
  new_confidential: boolean;
  run_id: string;
  job_id: string | null;
  job_name: string;
  tenant_id: string;
}

async function historyOf(recordingId: string): Promise<HistoryRow[]> {
  const { rows } = await openPool().query<HistoryRow>(
    `SELECT recording_key->>0 AS recording_id, old_confidential, new_confidential, run_id::text, job_id::text, job_name, tenant_id
       FROM conflag.flag_history WHERE recording_key = jsonb_build_array($1::bigint) ORDER BY changed_at`,
    [recordingId],
  );
  return rows;
}

async function run(jobId: string): Promise<string> {
  const result = await executeRun(openPool(), jobId, { trigger: 'manual', batchUnits: 1 });
  assert.is(result.status, 'succeeded', result.error ?? '');
  return result.runId;
}

test('a recording flipped by several runs has one row per change, in order, with run, job and old -> new', async () => {
  const pool = openPool();
  // 2 and 4 are long; 4 is tagged internal later.
  const ids = await insertRecordings(pool, 6, { duration: (i) => (i % 2 === 0 ? 9000 : 60) });
  const flag = await insertJob(pool, { name: 'Flag long calls', condition: longCalls });
  const clear = await insertJob(pool, { name: 'Clear internal calls', condition: internal, action: 'clear' });
  const r1 = await run(flag);
  await pool.query(`UPDATE conflag.recordings SET tags = '{internal}' WHERE id = $1`, [ids[3]]);
  const r2 = await run(clear);
  const r3 = await run(clear);
  await pool.query(`UPDATE conflag.recordings SET tags = NULL WHERE id = $1`, [ids[3]]);
  const r4 = await run(flag);
  const r5 = await run(flag);
  const step = (run: string, job: string, name: string, from: boolean, to: boolean) => ({
    recording_id: ids[3], old_confidential: from, new_confidential: to, run_id: run, job_id: job, job_name: name, tenant_id: 'default',
  });
  assert.equal(await historyOf(ids[3]), [
    step(r1, flag, 'Flag long calls', false, true),
    step(r2, clear, 'Clear internal calls', true, false),
    step(r4, flag, 'Flag long calls', false, true),
  ], 'r3 and r5 changed nothing and wrote nothing');
  assert.equal((await historyOf(ids[1])).map((h) => h.run_id), [r1]);
  assert.equal(await historyOf(ids[0]), [], 'a recording never changed has no history');
  const counts = await pool.query(`SELECT run_id::text, count(*)::int AS n FROM conflag.flag_history GROUP BY run_id ORDER BY run_id`);
  assert.equal(counts.rows, [{ run_id: r1, n: 3 }, { run_id: r2, n: 1 }, { run_id: r4, n: 1 }]);
  const changed = await pool.query(`SELECT id::text, changed::int FROM conflag.job_runs WHERE id = ANY ($1::bigint[]) ORDER BY id`, [[r1, r2, r3, r4, r5]]);
  assert.equal(changed.rows.map((r) => r.changed), [3, 1, 0, 1, 0], 'job_runs.changed agrees with the history');
  // The history row and the recording's own audit columns are written by the same statement.
  const same = await pool.query(
    `SELECT count(*)::int AS n FROM conflag.recordings r
       JOIN LATERAL (SELECT * FROM conflag.flag_history h WHERE h.recording_key = jsonb_build_array(r.id) ORDER BY h.changed_at DESC LIMIT 1) h ON true
      WHERE h.changed_at = r.confidential_changed_at AND h.run_id = r.confidential_changed_by_run AND h.new_confidential = r.confidential`,
  );
  assert.is(same.rows[0].n, 3);
});

test('a batch that rolls back leaves no history row', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 4, { duration: () => 9000 });
  const jobId = await insertJob(pool, { name: 'stopped', condition: longCalls, keep_alive_timeout_minutes: 1 });
  const held = await holdRow(pool, ids[3]);
  try {
    const running = executeRun(pool, jobId, { trigger: 'manual' });
    await waitUntilBlocked(pool, jobId);
    await pool.query(`SELECT conflag.expire_stalled_runs(now() + interval '2 minutes')`);
    assert.is((await running).status, 'interrupted');
  } finally {
    await held.release();
  }
  assert.is((await pool.query(`SELECT count(*)::int AS n FROM conflag.flag_history`)).rows[0].n, 0);
});

test('after the runs are pruned and the job deleted, every flagged recording still says why; retention keeps the newest row', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 6, { duration: (i) => (i % 2 === 0 ? 9000 : 60) });
  const flag = await insertJob(pool, { name: 'Flag long calls', condition: longCalls, keep_history_days: 1 });
  const clear = await insertJob(pool, { name: 'Clear internal calls', condition: internal, action: 'clear', keep_history_days: 1 });
  await run(flag);
  await pool.query(`UPDATE conflag.recordings SET tags = '{internal}' WHERE id = $1`, [ids[3]]);
  await run(clear);
  await pool.query(`UPDATE conflag.recordings SET tags = NULL WHERE id = $1`, [ids[3]]);
  await run(flag);
  for (let i = 0; i < 3; i++) await run(flag);
  await pool.query(`DELETE FROM conflag.jobs WHERE id = $1`, [flag]);
  // Runs of a deleted job are kept 60 days.
  const pruned = (await pool.query(`SELECT conflag.prune_history(now() + interval '61 days') AS n`)).rows[0].n;
  assert.is(pruned, 5, 'the 5 runs of the deleted job; the clear job keeps its only run');

  // Every flagged recording has a history row whose run is gone and whose answer is complete without it.
  const why = await pool.query(
    `SELECT r.id::text, h.job_name, h.new_confidential, h.run_id::text,
            EXISTS (SELECT 1 FROM conflag.job_runs run WHERE run.id = h.run_id) AS run_kept
       FROM conflag.recordings r
       LEFT JOIN LATERAL (SELECT * FROM conflag.flag_history h WHERE h.recording_key = jsonb_build_array(r.id) ORDER BY h.changed_at DESC LIMIT 1) h ON true
      WHERE r.confidential ORDER BY r.id`,
  );
  assert.equal(why.rows.map((r) => [r.id, r.job_name, r.new_confidential, r.run_kept]), [
    [ids[1], 'Flag long calls', true, false], [ids[3], 'Flag long calls', true, false], [ids[5], 'Flag long calls', true, false],
  ]);
  assert.is((await historyOf(ids[3])).length, 3, 'the whole history is kept within keep_flag_history_days');

  // Flag history retention: a year on, only each recording's newest row is left.
  const deleted = (await pool.query(`SELECT conflag.prune_flag_history(now() + interval '366 days') AS n`)).rows[0].n;
  assert.is(Number(deleted), 2, "ids[3]'s two older rows");
  assert.equal((await historyOf(ids[3])).map((h) => [h.job_name, h.old_confidential, h.new_confidential]), [['Flag long calls', false, true]]);
  assert.is((await historyOf(ids[1])).length, 1);
  assert.is(Number((await pool.query(`SELECT conflag.prune_flag_history(now() + interval '366 days') AS n`)).rows[0].n), 0, 'idempotent');
});

test('the runner role appends to the history but cannot change or delete it', async () => {
  const pool = openPool();
  await insertRecordings(pool, 2, { duration: () => 9000 });
  const jobId = await insertJob(pool, { name: 'as runner', condition: longCalls });
  await run(jobId);
  const runner = new pg.Client({ connectionString: (await memberOf('conflag_runner')).url });
  await runner.connect();
  try {
    for (const statement of [`UPDATE conflag.flag_history SET job_name = 'forged'`, `DELETE FROM conflag.flag_history`]) {
      const error = await runner.query(statement).then(() => undefined, (e) => e);
      assert.is(error?.code, '42501', `${statement} is refused`);
    }
    assert.is((await runner.query(`SELECT conflag.prune_flag_history() AS n`)).rows[0].n, '0', 'its retention routine runs as the runner');
  } finally {
    await runner.end();
  }
  assert.is((await pool.query(`SELECT count(*)::int AS n FROM conflag.flag_history WHERE job_name = 'as runner'`)).rows[0].n, 2);
});

test.run();
