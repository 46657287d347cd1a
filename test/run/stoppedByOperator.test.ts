// A run an operator stops (Ctrl-C of `conflag run`: executeRun with stopByOperator) is recorded as 'stopped' —
// not a failure: it is not counted in job_status.consecutive_failures, sends no failure e-mail, and does not
// decide whether the next failure is the "first consecutive" one. The same stop by the runner (its shutdown)
// stays 'aborted', a failure, side by side in the same test so each rule is seen to make the difference.
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, openPool } from '../lib/db.ts';
import { enableEmail, FAILABLE_CONDITION, insertNotifyJob, installFailureSwitch, outboxOf } from '../notify/helpers.ts';
import { suite } from '../lib/suite.ts';
import { insertRecordings, resetRunData } from './fixtures.ts';

const test = suite('run: stopped by an operator');
test.after(closePools);
test.before.each(async () => {
  await resetRunData(openPool());
  await openPool().query(`DELETE FROM conflag.email_outbox`);
});

/** A run stopped before its first batch: by an operator (stopped) or by the runner (aborted). */
function stop(pool: pg.Pool, jobId: string, byOperator: boolean) {
  return executeRun(pool, jobId, { trigger: 'manual', signal: AbortSignal.abort(byOperator ? 'interrupted by SIGINT' : 'runner shutting down'), stopByOperator: byOperator });
}

async function status(pool: pg.Pool, jobId: string): Promise<{ last_status: string; consecutive_failures: number }> {
  const { rows } = await pool.query(`SELECT last_status, consecutive_failures FROM conflag.job_status WHERE job_id = $1::bigint`, [jobId]);
  return rows[0];
}

test('an operator\'s stop is status stopped; the runner\'s stop stays aborted', async () => {
  const pool = openPool();
  await insertRecordings(pool, 5, { duration: () => 9000 });
  const jobId = await insertNotifyJob(pool, { name: 'stoppable' });
  const byOperator = await stop(pool, jobId, true);
  assert.equal([byOperator.status, byOperator.stopped], ['stopped', true]);
  assert.match(byOperator.error!, 'stopped between batches (interrupted by SIGINT)');
  const byRunner = await stop(pool, jobId, false);
  assert.equal([byRunner.status, byRunner.stopped], ['aborted', true]);
  const { rows } = await pool.query(`SELECT status FROM conflag.job_runs WHERE job_id = $1::bigint ORDER BY id`, [jobId]);
  assert.equal(rows.map((r) => r.status), ['stopped', 'aborted']);
});

test('consecutive_failures: a stopped run neither counts nor ends the streak', async () => {
  const pool = openPool();
  const failure = await installFailureSwitch(pool);
  const jobId = await insertNotifyJob(pool, { name: 'streak', condition: FAILABLE_CONDITION });
  await failure.fail();
  assert.is((await executeRun(pool, jobId, { trigger: 'manual' })).status, 'failed');
  await stop(pool, jobId, true);
  assert.equal(await status(pool, jobId), { last_status: 'stopped', consecutive_failures: 1 }, 'the stop is not a failure');
  assert.is((await executeRun(pool, jobId, { trigger: 'manual' })).status, 'failed');
  assert.equal(await status(pool, jobId), { last_status: 'failed', consecutive_failures: 2 }, 'the streak goes on across the stop');
  await stop(pool, jobId, false);
  assert.equal(await status(pool, jobId), { last_status: 'aborted', consecutive_failures: 3 }, 'an abort by the runner counts');
  await failure.succeed();
});

test('no failure e-mail for a stopped run (every_time); first_consecutive looks past it', async () => {
  const pool = openPool();
  await enableEmail(pool);
  const failure = await installFailureSwitch(pool);
  const everyTime = await insertNotifyJob(pool, { name: 'every time', onFailure: 'every_time', onCompletion: 'every_time', condition: FAILABLE_CONDITION });
  await stop(pool, everyTime, true);
  assert.equal(await outboxOf(pool, everyTime), [], 'stopped: no e-mail at all');
  await stop(pool, everyTime, false);
  assert.equal((await outboxOf(pool, everyTime)).map((e) => e.kind), ['failure'], 'aborted by the runner: a failure e-mail');

  const first = await insertNotifyJob(pool, { name: 'first consecutive', onFailure: 'first_consecutive', condition: FAILABLE_CONDITION });
  await failure.fail();
  await executeRun(pool, first, { trigger: 'manual' });
  await stop(pool, first, true);
  await executeRun(pool, first, { trigger: 'manual' });
  const mails = await outboxOf(pool, first);
  assert.is(mails.length, 1, 'the failure after the stop continues the streak: no second e-mail');
  await failure.succeed();
});

test.run();
