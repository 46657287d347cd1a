// History is append-only for the runner (issue 15, migration 0010), as a real login holding only conflag_runner:
// each forbidden write of the issue is refused (42501); what the runner may do goes through functions that allow
// only legal transitions (CF305 otherwise); the flag history it still INSERTs in the batch statement is checked by
// row-level security against the run scope its batch entered. (Updating another tenant's recordings is refused by
// row-level security: test/run/rowLevelSecurity.test.ts.)
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, openPool } from '../lib/db.ts';
import { dropMemberLogins, memberOf } from '../lib/loginRole.ts';
import { suite } from '../lib/suite.ts';
import { insertJob, insertRecordings, insertTenants, longCalls, rejection, resetRunData, runRow } from './fixtures.ts';

const test = suite('run: history is append-only for the runner');
test.before.each(() => resetRunData(openPool()));
test.after(async () => {
  await closePools();
  await dropMemberLogins();
});

const asRunner = async () => openPool((await memberOf('conflag_runner')).url, { max: 2 });

/** A finished run and a change-log row, written as the runner would (the runner login runs the job). */
async function history(admin: pg.Pool): Promise<{ jobId: string; runId: string }> {
  await insertRecordings(admin, 10, { duration: () => 9000 });
  const jobId = await insertJob(admin, { name: 'history', condition: longCalls, mode: 'incremental' });
  const run = await executeRun(await asRunner(), jobId, { trigger: 'manual' });
  assert.is(run.status, 'succeeded', run.error);
  await admin.query(`UPDATE conflag.recordings SET notes = 'edited' WHERE id = (SELECT min(id) FROM conflag.recordings)`);
  return { jobId, runId: run.runId };
}

test('each forbidden write of the issue is refused for the runner login, and nothing changed', async () => {
  const admin = openPool();
  const { jobId, runId } = await history(admin);
  const runner = await asRunner();
  const before = await admin.query(`SELECT (SELECT count(*)::int FROM conflag.job_runs) AS runs, (SELECT count(*)::int FROM conflag.recording_changes) AS changes,
                                           (SELECT count(*)::int FROM conflag.flag_history) AS flags`);
  assert.ok(before.rows[0].changes > 0 && before.rows[0].flags === 10, JSON.stringify(before.rows[0]));
  const forbidden = [
    `UPDATE conflag.job_runs SET changed = 0, status = 'succeeded', error = NULL`,
    `DELETE FROM conflag.job_runs`,
    `INSERT INTO conflag.job_runs (job_id, job_name, trigger, as_of, timezone, mode, action, condition, status, finished_at, changed)
     VALUES (${jobId}, 'history', 'manual', now(), 'UTC', 'full', 'set', '{"all": []}', 'succeeded', now(), 0)`,
    `DELETE FROM conflag.recording_changes`,
    `INSERT INTO conflag.recording_changes SELECT * FROM conflag.recording_changes`,
    `UPDATE conflag.flag_history SET new_confidential = false`,
    `DELETE FROM conflag.flag_history`,
    `DELETE FROM conflag.job_run_log`,
    `UPDATE conflag.job_run_log SET message = 'nothing happened'`,
    `UPDATE conflag.email_outbox SET status = 'sent'`,
    `UPDATE conflag.run_requests SET picked_up_at = now()`,
    `DELETE FROM conflag.job_processed_recordings`,
    `UPDATE conflag.job_pruned_totals SET changed = 0`,
  ];
  for (const statement of forbidden) {
    const refused = await rejection(runner.query(statement));
    assert.is(refused.code, '42501', `${statement}: ${refused.message}`);
  }
  const after = await admin.query(`SELECT (SELECT count(*)::int FROM conflag.job_runs) AS runs, (SELECT count(*)::int FROM conflag.recording_changes) AS changes,
                                          (SELECT count(*)::int FROM conflag.flag_history) AS flags`);
  assert.equal(after.rows[0], before.rows[0]);
  const run = await runRow(admin, runId);
  assert.equal([run.status, run.changed], ['succeeded', 10]);
});

test('through its functions a run moves only forward: ends once, counts only grow, its scan is recorded once', async () => {
  const admin = openPool();
  const { runId } = await history(admin);
  const runner = await asRunner();
  // A finished run cannot be ended again or counted further.
  assert.is((await runner.query(`SELECT conflag.record_run_end($1, 'failed', 'forged') AS ended`, [runId])).rows[0].ended, false);
  assert.is((await runner.query(`SELECT conflag.record_batch_progress($1, 5, 5, 0, 1) AS outcome`, [runId])).rows[0].outcome, 'not-running');
  assert.equal([(await runRow(admin, runId)).status, (await runRow(admin, runId)).changed], ['succeeded', 10]);
  // A running run: no end that is not final, no negative counts, no second scan.
  const jobId = await insertJob(admin, { name: 'live', condition: longCalls });
  const started = await runner.query(
    `SELECT run_id::text AS id FROM conflag.record_run_start($1, 'manual', 1, NULL, 'UTC', 'full', 'set', NULL, $2, 1, 1000, 'test', NULL, false)`,
    [jobId, JSON.stringify(longCalls)],
  );
  const live = started.rows[0].id;
  await runner.query(`SELECT conflag.record_run_scan($1, 'table', NULL, 3)`, [live]);
  for (const [statement, hint] of [
    [`SELECT conflag.record_run_scan($1, 'table', NULL, 0)`, 'has recorded its scan already'],
    [`SELECT conflag.record_batch_progress($1, -1, -10, 0, 0)`, 'negative counts'],
    [`SELECT conflag.record_run_end($1, 'running', NULL)`, 'is not how a run ends'],
    [`SELECT conflag.record_run_end($1, 'skipped', NULL)`, 'is not how a run ends'],
  ]) {
    const refused = await rejection(runner.query(statement, [live]));
    assert.is(refused.code, 'CF305', `${statement}: ${refused.message}`);
    assert.match(refused.message, hint);
  }
  assert.is((await runner.query(`SELECT conflag.record_batch_progress($1, 2, 1, 0, 1) AS outcome`, [live])).rows[0].outcome, 'ok');
  assert.is((await runner.query(`SELECT conflag.record_run_end($1, 'succeeded', NULL) AS ended`, [live])).rows[0].ended, true);
  const row = await runRow(admin, live);
  assert.equal([row.status, row.matched, row.changed], ['succeeded', 2, 1]);
});

test('a run is never recorded with a scope wider than its job\'s, which row-level security would then trust', async () => {
  const admin = openPool();
  await insertTenants(admin, 'ta', 'tb');
  const jobId = await insertJob(admin, { name: 'ta only', condition: longCalls, access_scope: ['ta'] });
  const runner = await asRunner();
  const start = (scope: string[] | null) => runner.query(
    `SELECT run_id FROM conflag.record_run_start($1, 'manual', 1, NULL, 'UTC', 'full', 'set', $2::text[], $3, 1, 1000, 'test', NULL, false)`,
    [jobId, scope, JSON.stringify(longCalls)],
  );
  for (const scope of [null, ['ta', 'tb'], ['tb']]) {
    const refused = await rejection(start(scope));
    assert.is(refused.code, 'CF305', `${JSON.stringify(scope)}: ${refused.message}`);
    assert.match(refused.message, 'is wider than job "ta only"\'s access_scope');
  }
  assert.is((await admin.query(`SELECT count(*)::int AS n FROM conflag.job_runs`)).rows[0].n, 0);
});

test('the flag history the batch statement writes: only for the run whose scope the batch entered, and its tenants', async () => {
  const admin = openPool();
  await insertTenants(admin, 'ta', 'tb');
  const jobId = await insertJob(admin, { name: 'ta only', condition: longCalls, access_scope: ['ta'] });
  const runner = await asRunner();
  const { rows: [{ id: runId }] } = await runner.query(
    `SELECT run_id::text AS id FROM conflag.record_run_start($1, 'manual', 1, NULL, 'UTC', 'full', 'set', '{ta}', $2, 1, 1000, 'test', NULL, false)`,
    [jobId, JSON.stringify(longCalls)],
  );
  const row = (run: string, tenant: string) => ({
    sql: `INSERT INTO conflag.flag_history (recording_key, tenant_id, changed_at, old_confidential, new_confidential, run_id, job_id, job_name)
          VALUES ('[1]', $2, now(), false, true, $1, NULL, 'forged')`,
    values: [run, tenant],
  });
  const client = await runner.connect();
  try {
    // Outside a batch (no scope entered): refused.
    const outside = row(runId, 'ta');
    assert.match((await rejection(client.query(outside.sql, outside.values))).message, 'row-level security');
    await client.query('BEGIN');
    await client.query(`SELECT conflag.enter_run_scope($1)`, [runId]);
    await client.query('SAVEPOINT s');
    for (const [run, tenant] of [[String(Number(runId) + 1), 'ta'], [runId, 'tb']]) {
      const forged = row(run, tenant);
      const refused = await rejection(client.query(forged.sql, forged.values));
      assert.is(refused.code, '42501', `run ${run}, tenant ${tenant}`);
      assert.match(refused.message, 'row-level security');
      await client.query('ROLLBACK TO SAVEPOINT s');
    }
    const own = row(runId, 'ta');
    await client.query(own.sql, own.values);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  assert.equal((await admin.query(`SELECT run_id::text, tenant_id FROM conflag.flag_history`)).rows, [{ run_id: runId, tenant_id: 'ta' }]);
});

test('pruning, the one routine that deletes history, works for the runner login', async () => {
  const admin = openPool();
  const { jobId } = await history(admin);
  const runner = await asRunner();
  for (let i = 0; i < 2; i++) {
    const run = await executeRun(runner, jobId, { trigger: 'manual' });
    assert.is(run.status, 'succeeded', run.error);
  }
  await admin.query(`UPDATE conflag.jobs SET keep_history_days = 1 WHERE id = $1`, [jobId]);
  const pruned = await runner.query(`SELECT conflag.prune_history(now() + interval '3 days') AS n`);
  assert.is(pruned.rows[0].n, 2, 'of three runs, the newest (also the newest successful one) is kept');
  assert.is((await admin.query(`SELECT count(*)::int AS n FROM conflag.job_runs WHERE job_id = $1`, [jobId])).rows[0].n, 1);
  assert.is((await admin.query(`SELECT runs::int FROM conflag.job_pruned_totals WHERE job_id = $1`, [jobId])).rows[0].runs, 2);
});

test.run();
