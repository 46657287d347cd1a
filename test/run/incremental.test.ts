// Incremental mode: processed recordings are remembered and never processed again (a hand-cleared flag stays
// cleared; full mode sets it again); recordings added or changed later — even by a transaction that commits
// after a run started — are picked up by the next run, which only looks at them; the state is visible and
// resettable; the change log holds data changes only and is pruned to what jobs still need.
import * as assert from 'uvu/assert';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { confidentialIds, insertJob, insertRecordings, liveRun, longCalls, rejection, resetRunData, runRow, tableBlocks, waitFor } from './fixtures.ts';

const test = suite('run: incremental');
test.after(closePools);
test.before.each(() => resetRunData(openPool()));

const long = (i: number) => (i % 10 === 0 ? 9000 : 60);
const vip = { all: [{ fact: 'tags', operator: 'contains', value: 'vip' }] };
const changeLogSize = async (pool: ReturnType<typeof openPool>) =>
  (await pool.query(`SELECT count(*)::int AS n FROM conflag.recording_changes`)).rows[0].n as number;

/** 20 recordings (2 of them long calls), an incremental job flagging long calls, and its first run (which flags the 2). */
async function longCallsJobAfterFirstRun(pool: ReturnType<typeof openPool>, name: string): Promise<string> {
  await insertRecordings(pool, 20, { duration: long });
  const jobId = await insertJob(pool, { name, condition: longCalls, mode: 'incremental' });
  assert.is((await executeRun(pool, jobId, { trigger: 'manual' })).changed, 2);
  return jobId;
}

test('a flag cleared by hand stays cleared in incremental mode (even when the recording changes) and is set again in full mode', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 40, { duration: long });
  const jobId = await insertJob(pool, { name: 'inc', condition: longCalls, mode: 'incremental' });
  const first = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ status: first.status, scan: first.scan, matched: first.matched, changed: first.changed }, { status: 'succeeded', scan: 'table', matched: 4, changed: 4 });
  const cleared = ids[19];
  await pool.query(`UPDATE conflag.recordings SET confidential = false WHERE id = $1`, [cleared]);

  const second = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ status: second.status, scan: second.scan, matched: second.matched, changed: second.changed }, { status: 'succeeded', scan: 'changes', matched: 0, changed: 0 });
  assert.not.ok((await confidentialIds(pool)).includes(cleared), 'still cleared');

  // Its data changes: it is considered again, found processed, and left alone (counted as skipped).
  await pool.query(`UPDATE conflag.recordings SET notes = 'edited' WHERE id = $1`, [cleared]);
  const third = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ scan: third.scan, matched: third.matched, changed: third.changed, skipped: third.skipped }, { scan: 'changes', matched: 0, changed: 0, skipped: 1 });
  assert.not.ok((await confidentialIds(pool)).includes(cleared), 'still cleared after its data changed');

  await pool.query(`UPDATE conflag.jobs SET mode = 'full' WHERE id = $1`, [jobId]);
  const full = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ scan: full.scan, matched: full.matched, changed: full.changed, skipped: full.skipped }, { scan: 'table', matched: 4, changed: 1, skipped: 0 });
  assert.ok((await confidentialIds(pool)).includes(cleared), 'full mode sets it again');
});

test('more changes than 5 % of the table (and 1 000): the table is read, and no candidate list is built first', async () => {
  const pool = openPool();
  await insertRecordings(pool, 2000, { duration: long });
  await pool.query('ANALYZE conflag.recordings');
  const jobId = await insertJob(pool, { name: 'bulk', condition: longCalls, mode: 'incremental' });
  await pool.query(`UPDATE conflag.jobs SET log_enabled = true WHERE id = $1::bigint`, [jobId]);
  assert.is((await executeRun(pool, jobId, { trigger: 'manual' })).scan, 'table', 'the first run reads the table');
  const planned = async (runId: string) => (await pool.query(
    `SELECT details->>'reason' AS reason, details->'candidates' AS candidates FROM conflag.job_run_log WHERE run_id = $1::bigint AND event = 'scan_planned'`,
    [runId])).rows[0];

  await insertRecordings(pool, 1001, { duration: long }); // 1 001 changes: above 1 000 and above 5 % of 2 000 rows
  const bulk = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ status: bulk.status, scan: bulk.scan, changed: bulk.changed }, { status: 'succeeded', scan: 'table', changed: 100 });
  assert.equal(await planned(bulk.runId), { reason: 'too_many_changes', candidates: null });
  assert.is((await runRow(pool, bulk.runId)).scan_units, await tableBlocks(pool), 'every block of the table');

  await insertRecordings(pool, 1000, { duration: long }); // exactly 1 000: still the change log
  const next = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ scan: next.scan, changed: next.changed }, { scan: 'changes', changed: 100 });
  assert.equal(await planned(next.runId), { reason: 'changes_since_last_run', candidates: 1000 });
  assert.is((await pool.query(`SELECT count(*)::int AS n FROM conflag.run_candidates`)).rows[0].n, 0, 'candidates are dropped with the run');
});

test('new and changed recordings are picked up by the next run, which considers only them', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 200, { tags: (i) => (i % 50 === 0 ? ['vip'] : ['other']), perBlock: 10 });
  const jobId = await insertJob(pool, { name: 'vip', condition: vip, mode: 'incremental' });
  const first = await executeRun(pool, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 5 });
  const blocks = await tableBlocks(pool);
  assert.ok(blocks >= 19, `the recordings span ${blocks} blocks`);
  assert.equal({ scan: first.scan, batches: first.batches, matched: first.matched }, { scan: 'table', batches: Math.ceil(blocks / 5), matched: 4 }, 'batches of 5 blocks');

  // A tag added tomorrow to a recording that did not match; a new matching and a new non-matching recording.
  await pool.query(`UPDATE conflag.recordings SET tags = ARRAY['vip'] WHERE id = $1`, [ids[6]]);
  const [added] = await insertRecordings(pool, 1, { tags: () => ['vip'] });
  await insertRecordings(pool, 1, { tags: () => ['other'] });
  const second = await executeRun(pool, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 5 });
  assert.equal(
    { scan: second.scan, batches: second.batches, matched: second.matched, changed: second.changed, skipped: second.skipped },
    { scan: 'changes', batches: 1, matched: 2, changed: 2, skipped: 0 },
  );
  const run = await pool.query(`SELECT candidates::int FROM conflag.job_runs WHERE id = $1`, [second.runId]);
  assert.is(run.rows[0].candidates, 3, 'only the three added/changed recordings were considered, not the 202 in the table');
  const flagged = await confidentialIds(pool);
  assert.ok(flagged.includes(ids[6]) && flagged.includes(added));
  assert.is(flagged.length, 6);
});

test('a transaction that commits after a run started is not missed by the next run', async () => {
  const pool = openPool();
  const jobId = await longCallsJobAfterFirstRun(pool, 'late');

  const late = await pool.connect();
  try {
    await late.query('BEGIN');
    const lateIds = await insertRecordings(late, 1, { duration: () => 9000 }); // open: invisible to the next run
    const [early] = await insertRecordings(pool, 1, { duration: () => 9000 }); // began later, commits first
    const second = await executeRun(pool, jobId, { trigger: 'manual' });
    assert.equal({ scan: second.scan, changed: second.changed }, { scan: 'changes', changed: 1 });
    assert.ok((await confidentialIds(pool)).includes(early));
    await late.query('COMMIT');
    const third = await executeRun(pool, jobId, { trigger: 'manual' });
    assert.equal({ scan: third.scan, matched: third.matched, changed: third.changed }, { scan: 'changes', matched: 1, changed: 1 });
    assert.ok((await confidentialIds(pool)).includes(lateIds[0]), 'the late transaction\'s recording is flagged');
  } finally {
    late.release();
  }
});

test('a small change list is read as of the run\'s own snapshot: a commit after the scan was planned is left to the next run', async () => {
  const pool = openPool();
  const jobId = await longCallsJobAfterFirstRun(pool, 'until');

  const late = await pool.connect();
  try {
    await late.query('BEGIN');
    const [lateId] = await insertRecordings(late, 1, { duration: () => 9000 }); // in progress when the run plans its scan
    // The run's batch starts with conflag.enter_run_scope, which writes conflag.run_scopes: it waits for this lock,
    // so the late transaction commits after the run took its snapshot and before its batch reads the change log.
    await late.query('LOCK TABLE conflag.run_scopes IN EXCLUSIVE MODE');
    const [early] = await insertRecordings(pool, 1, { duration: () => 9000 });
    const running = executeRun(pool, jobId, { trigger: 'manual' });
    await waitFor('the run\'s batch waiting for conflag.run_scopes', async () => (await pool.query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'conflag.run_scopes'::regclass AND NOT granted`)).rows[0].n > 0);
    await late.query('COMMIT');
    const second = await running;
    assert.equal({ scan: second.scan, matched: second.matched, changed: second.changed }, { scan: 'changes', matched: 1, changed: 1 });
    assert.equal(await confidentialIds(pool).then((ids) => [ids.includes(early), ids.includes(lateId)]), [true, false]);
    const third = await executeRun(pool, jobId, { trigger: 'manual' });
    assert.equal({ scan: third.scan, matched: third.matched, changed: third.changed, skipped: third.skipped },
      { scan: 'changes', matched: 1, changed: 1, skipped: 0 }, 'the next run processes the late recording, once');
    assert.ok((await confidentialIds(pool)).includes(lateId));
  } finally {
    await late.query('ROLLBACK').catch(() => {});
    late.release();
  }
});

test('the change log records data changes only: not conflag\'s flag updates, not hand edits of the flag, not no-op updates', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 30, { duration: long });
  assert.is(await changeLogSize(pool), 30, 'one row per inserted recording');
  const jobId = await insertJob(pool, { name: 'log', condition: longCalls, mode: 'incremental' });
  await executeRun(pool, jobId, { trigger: 'manual' });
  await pool.query(`UPDATE conflag.recordings SET confidential = NOT confidential, confidential_changed_at = now() WHERE id = $1`, [ids[0]]);
  await pool.query(`UPDATE conflag.recordings SET notes = notes, tags = tags WHERE id = $1`, [ids[1]]);
  assert.is(await changeLogSize(pool), 30, 'flag updates and no-op updates are not logged');
  await pool.query(`UPDATE conflag.recordings SET duration = 9001 WHERE id = $1`, [ids[2]]);
  const { rows } = await pool.query(`SELECT recording_key->>0 AS id FROM conflag.recording_changes ORDER BY xid DESC LIMIT 1`);
  assert.is(await changeLogSize(pool), 31);
  assert.is(rows[0].id, ids[2]);
});

test('a changed condition, or a condition on the run\'s time, goes through the table again minus processed recordings', async () => {
  const pool = openPool();
  await insertRecordings(pool, 30, { duration: long });
  const jobId = await insertJob(pool, { name: 'fp', condition: longCalls, mode: 'incremental' });
  await executeRun(pool, jobId, { trigger: 'manual' });
  assert.is((await executeRun(pool, jobId, { trigger: 'manual' })).scan, 'changes');
  await pool.query(`UPDATE conflag.jobs SET condition = $2::jsonb WHERE id = $1`, [jobId, JSON.stringify({ all: [{ fact: 'duration', operator: 'greaterThan', value: 30 }] })]);
  const changed = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ scan: changed.scan, matched: changed.matched, skipped: changed.skipped, changed: changed.changed },
    { scan: 'table', matched: 27, skipped: 3, changed: 27 });
  assert.is((await executeRun(pool, jobId, { trigger: 'manual' })).scan, 'changes', 'the new fingerprint is remembered');

  const aged = await insertJob(pool, { name: 'aged', condition: { all: [{ fact: 'age_days', operator: 'greaterThan', value: 1 }] }, mode: 'incremental' });
  const a1 = await executeRun(pool, aged, { trigger: 'manual' });
  const a2 = await executeRun(pool, aged, { trigger: 'manual' });
  assert.equal([a1.scan, a2.scan], ['table', 'table'], 'age_* conditions can start matching without any change');
  assert.equal([a1.matched, a2.matched, a2.skipped], [30, 0, 30]);
});

test('the state is visible in job_incremental_status and reset by reset_incremental_state', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 50, { duration: long });
  const jobId = await insertJob(pool, { name: 'Stateful', condition: longCalls, mode: 'incremental' });
  const first = await executeRun(pool, jobId, { trigger: 'manual' });
  const { rows } = await pool.query(`SELECT * FROM conflag.job_incremental_status WHERE job_id = $1`, [jobId]);
  assert.is(rows.length, 1);
  assert.is(Number(rows[0].remembered_recordings), 5);
  assert.is(String(rows[0].last_run_id), first.runId);
  assert.ok(rows[0].remembering_since instanceof Date && rows[0].last_snapshot_at instanceof Date);
  const processed = await pool.query(`SELECT count(*)::int AS n FROM conflag.job_processed_recordings WHERE job_id = $1 AND run_id = $2`, [jobId, first.runId]);
  assert.is(processed.rows[0].n, 5);

  await pool.query(`UPDATE conflag.recordings SET confidential = false WHERE id = $1`, [ids[9]]);
  const missing = await rejection(pool.query(`SELECT conflag.reset_incremental_state('no such job')`));
  assert.is(missing.code, 'CF301');
  // Refused while the job runs.
  const live = await liveRun(pool, jobId);
  const busy = await rejection(pool.query(`SELECT conflag.reset_incremental_state('stateful')`));
  assert.is(busy.code, 'CF302');
  assert.match(busy.message, 'is running');
  await live.end();

  const reset = await pool.query(`SELECT conflag.reset_incremental_state('stateful') AS n`);
  assert.is(Number(reset.rows[0].n), 5);
  assert.is((await pool.query(`SELECT count(*)::int AS n FROM conflag.job_incremental_status`)).rows[0].n, 0);
  const after = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ scan: after.scan, matched: after.matched, changed: after.changed }, { scan: 'table', matched: 5, changed: 1 });
  assert.ok((await confidentialIds(pool)).includes(ids[9]), 'after a reset the job sets the hand-cleared flag again');
});

test('prune_recording_changes keeps what an incremental job still needs and deletes the rest', async () => {
  const pool = openPool();
  // Transactions of other databases in the cluster hold the xmin horizon back for a moment, so deletions are
  // awaited (pruning again) while what is needed must never go.
  const loggedIds = async () => (await pool.query(`SELECT recording_key->>0 AS id FROM conflag.recording_changes ORDER BY (recording_key->>0)::bigint`)).rows.map((r) => r.id);
  const pruneUntil = async (expected: string[], mustKeep: string[]) => {
    for (let i = 0; i < 100; i++) {
      await pool.query(`SELECT conflag.prune_recording_changes()`);
      const left = await loggedIds();
      for (const id of mustKeep) assert.ok(left.includes(id), `needed change-log row of recording ${id} was kept`);
      if (JSON.stringify(left) === JSON.stringify(expected)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(await loggedIds(), expected);
  };
  await insertRecordings(pool, 10, { duration: long });
  await pruneUntil([], []); // no incremental job: nothing is needed

  const jobId = await insertJob(pool, { name: 'keep', condition: longCalls, mode: 'incremental' });
  await executeRun(pool, jobId, { trigger: 'manual' });
  // A transaction older than everything below stays open throughout (it holds the xmin horizon back).
  const open = await pool.connect();
  try {
    await open.query('BEGIN');
    await open.query('SELECT pg_current_xact_id()');
    const newer = await insertRecordings(pool, 3, { duration: () => 9000 });
    const [lateId] = await insertRecordings(open, 1, { duration: () => 9000 });
    assert.is(Number((await pool.query(`SELECT conflag.prune_recording_changes() AS n`)).rows[0].n), 0, 'the next run needs all of them');
    assert.equal(await loggedIds(), [...newer].sort());
    const second = await executeRun(pool, jobId, { trigger: 'manual' });
    assert.is(second.changed, 3);
    assert.ok((await confidentialIds(pool)).includes(newer[2]));
    // The three are behind the job now (seen by its snapshot, although an older transaction is still open);
    // the open transaction's row is still ahead of the job's snapshot.
    assert.is(Number((await pool.query(`SELECT conflag.prune_recording_changes() AS n`)).rows[0].n), 3);
    await open.query('COMMIT');
    assert.equal(await loggedIds(), [lateId], 'the late row was kept');
    await pool.query(`SELECT conflag.prune_recording_changes()`);
    assert.equal(await loggedIds(), [lateId], 'and is kept until a run has seen it');
  } finally {
    open.release();
  }
  const third = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ scan: third.scan, changed: third.changed }, { scan: 'changes', changed: 1 });
  await pruneUntil([], []);
});

test('a failed incremental run keeps the previous snapshot: its unfinished work is redone, its finished batches are not', async () => {
  const pool = openPool();
  await insertRecordings(pool, 10, { duration: long });
  const jobId = await insertJob(pool, { name: 'resume', condition: longCalls, mode: 'incremental' });
  await executeRun(pool, jobId, { trigger: 'manual' });
  const before = (await pool.query(`SELECT last_snapshot::text FROM conflag.job_incremental_state WHERE job_id = $1`, [jobId])).rows[0].last_snapshot;
  await insertRecordings(pool, 30, { duration: () => 9000 });
  const controller = new AbortController();
  const stopped = await executeRun(pool, jobId, {
    trigger: 'manual', parallelism: 1, batchUnits: 10, signal: controller.signal, // 10 candidates a batch
    onProgress: (p) => p.batches === 1 && controller.abort('test stop'),
  });
  assert.equal({ status: stopped.status, batches: stopped.batches, changed: stopped.changed }, { status: 'aborted', batches: 1, changed: 10 });
  const state = (await pool.query(`SELECT last_snapshot::text, running_run_id FROM conflag.job_incremental_state WHERE job_id = $1`, [jobId])).rows[0];
  assert.equal(state, { last_snapshot: before, running_run_id: null });
  const next = await executeRun(pool, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 10 });
  assert.equal({ scan: next.scan, matched: next.matched, skipped: next.skipped, changed: next.changed }, { scan: 'changes', matched: 20, skipped: 10, changed: 20 });
  assert.is((await runRow(pool, next.runId)).status, 'succeeded');
  assert.is(await (await confidentialIds(pool)).length, 31);
});

test.run();
