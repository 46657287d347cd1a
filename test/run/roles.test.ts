// The runner role can do everything a run needs (and the keep-alive/pruning routines); the reporting role reads
// history and views but changes nothing. Each as a real login that is a member of the role.
import * as assert from 'uvu/assert';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, openPool } from '../lib/db.ts';
import { dropMemberLogins, memberOf } from '../lib/loginRole.ts';
import { suite } from '../lib/suite.ts';
import { confidentialIds, insertJob, insertRecordings, longCalls, rejection, resetRunData } from './fixtures.ts';

const test = suite('run: roles');
test.after(async () => {
  await closePools();
  await dropMemberLogins();
});
test.before.each(() => resetRunData(openPool()));

const asRole = async (role: string) => openPool((await memberOf(role)).url);

test('conflag_runner runs full and incremental jobs and calls expire_stalled_runs and prune_history', async () => {
  const admin = openPool();
  const ids = await insertRecordings(admin, 30, { duration: (i) => (i % 3 === 0 ? 9000 : 10) });
  const full = await insertJob(admin, { name: 'runner full', condition: longCalls });
  const incremental = await insertJob(admin, { name: 'runner inc', condition: longCalls, mode: 'incremental' });
  const runner = await asRole('conflag_runner');
  const who = (await runner.query(`SELECT current_user AS u, pg_has_role(current_user, 'conflag_runner', 'MEMBER') AS member,
                                          (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS super`)).rows[0];
  assert.equal([who.member, who.super], [true, false], `${who.u} is a plain login in conflag_runner`);
  const a = await executeRun(runner, full, { trigger: 'schedule', parallelism: 1, batchUnits: 1 });
  assert.is(a.status, 'succeeded', a.error);
  const b = await executeRun(runner, incremental, { trigger: 'schedule', parallelism: 1, batchUnits: 1 });
  assert.is(b.status, 'succeeded', b.error);
  await insertRecordings(admin, 2, { duration: () => 9000 });
  const c = await executeRun(runner, incremental, { trigger: 'schedule', parallelism: 1, batchUnits: 1 });
  assert.equal({ status: c.status, scan: c.scan, changed: c.changed }, { status: 'succeeded', scan: 'changes', changed: 2 }, c.error);
  assert.is((await confidentialIds(admin)).length, 12);
  assert.ok(ids.length);
  await runner.query(`SELECT * FROM conflag.expire_stalled_runs()`);
  await runner.query(`SELECT conflag.prune_history()`);
  await runner.query(`SELECT * FROM conflag.job_status`);
  // Still only the flag columns of recordings.
  const denied = await rejection(runner.query(`UPDATE conflag.recordings SET notes = 'x'`));
  assert.is(denied.code, '42501');
});

test('conflag_reporting reads runs, job_status, incremental state, the flag history and the reporting views, and changes nothing', async () => {
  const admin = openPool();
  await insertRecordings(admin, 3, { duration: () => 9000 });
  const jobId = await insertJob(admin, { name: 'reported', condition: longCalls, mode: 'incremental' });
  const run = await executeRun(admin, jobId, { trigger: 'manual' });
  const reporting = await asRole('conflag_reporting');
  assert.is((await reporting.query(`SELECT count(*)::int AS n FROM conflag.job_runs WHERE id = $1`, [run.runId])).rows[0].n, 1);
  assert.is((await reporting.query(`SELECT last_status FROM conflag.job_status WHERE job_id = $1`, [jobId])).rows[0].last_status, 'succeeded');
  assert.is((await reporting.query(`SELECT count(*)::int AS n FROM conflag.job_incremental_status`)).rows[0].n, 1);
  assert.is((await reporting.query(`SELECT count(*)::int AS n FROM conflag.flag_history WHERE run_id = $1`, [run.runId])).rows[0].n, 3);
  assert.is((await reporting.query(`SELECT changed_total::int AS n FROM conflag.job_report WHERE job_id = $1`, [jobId])).rows[0].n, 3);
  assert.is((await reporting.query(`SELECT sum(flagged)::int AS n FROM conflag.job_daily_activity WHERE job_id = $1`, [jobId])).rows[0].n, 3);
  for (const statement of [
    `DELETE FROM conflag.flag_history`,
    `SELECT conflag.prune_flag_history()`,
    `UPDATE conflag.job_runs SET status = 'failed'`,
    `DELETE FROM conflag.job_runs`,
    `SELECT conflag.prune_history()`,
    `SELECT * FROM conflag.expire_stalled_runs()`,
    `SELECT conflag.reset_incremental_state('reported')`,
  ]) {
    const error = await rejection(reporting.query(statement));
    assert.is(error.code, '42501', statement);
  }
});

test('conflag_admin may reset a job\'s incremental state', async () => {
  const admin = openPool();
  await insertRecordings(admin, 3, { duration: () => 9000 });
  const jobId = await insertJob(admin, { name: 'resettable', condition: longCalls, mode: 'incremental' });
  await executeRun(admin, jobId, { trigger: 'manual' });
  const dba = await asRole('conflag_admin');
  assert.is(Number((await dba.query(`SELECT conflag.reset_incremental_state('resettable') AS n`)).rows[0].n), 3);
});

test.run();
