// One failure e-mail per tick or request, not one per attempt: the runner retries a failed or interrupted run
// (CONFLAG_RETRY_LIMIT) and marks every attempt a retry follows job_runs.retry_planned, for which the outbox
// trigger queues nothing. Through a real runner service and a real SMTP server: every_time and first_consecutive
// jobs failing on all attempts, a retry that succeeds, a run stopped by a runner's shutdown and taken over, a
// request whose attempts all hang and are ended by the keep-alive (before issue 10: 3 attempts, 3 e-mails; the
// keep-alive's runner runs its clock 61 s ahead, as if the 1-minute keep-alive timeout had passed). With
// executeRun directly (the unit that writes the flag): first_consecutive sequences across retried failures, a
// stop by the signal versus the execution time limit, and the constraint that only a failure can plan a retry.
import * as assert from 'uvu/assert';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { db, insertRecordings, lockMatchingRecording, startTestService, stopAll, waitFor, waitUntilBlocked } from '../service/helpers.ts';
import { emailConfig, enableEmail, FAILABLE_CONDITION, insertNotifyJob, installFailureSwitch, outboxOf, startSmtp, type TestSmtp } from './helpers.ts';

const test = suite('notify: retried runs e-mail once');
let smtp: TestSmtp;
let failure: Awaited<ReturnType<typeof installFailureSwitch>>;

test.before(async () => {
  smtp = await startSmtp();
  failure = await installFailureSwitch(db());
  await insertRecordings(db(), 30);
  await enableEmail(db());
});
test.after(async () => {
  await stopAll();
  await smtp.close();
  await closePools();
});
test.before.each(async () => {
  smtp.received.length = 0;
  await failure.succeed();
});

interface Attempt {
  id: string;
  attempt: number;
  status: string;
  retry_planned: boolean;
}

async function attemptsOf(jobId: string): Promise<Attempt[]> {
  const { rows } = await db().query<Attempt>(
    `SELECT id::text, attempt, status, retry_planned FROM conflag.job_runs WHERE job_id = $1::bigint ORDER BY job_runs.id`,
    [jobId],
  );
  return rows;
}

const mailsAbout = (runId: string) => smtp.received.filter((m) => m.headers['x-conflag-run'] === runId);

test('a job failing on every attempt (retry limit 2) e-mails once, after the last attempt; every_time and first_consecutive alike', async () => {
  const everyTime = await insertNotifyJob(db(), { name: 'Always failing', onFailure: 'every_time', condition: FAILABLE_CONDITION });
  const firstConsecutive = await insertNotifyJob(db(), { name: 'Always failing too', onFailure: 'first_consecutive', condition: FAILABLE_CONDITION });
  await failure.fail();
  const service = await startTestService({ config: { retryLimit: 2 }, email: emailConfig(smtp.url) });
  await db().query(`SELECT conflag.request_run('Always failing'), conflag.request_run('Always failing too')`);
  const finished = async (job: string) => {
    const runs = await attemptsOf(job);
    return runs.length === 3 && runs.every((r) => r.status !== 'running') ? runs : undefined;
  };
  const [a, b] = await waitFor(async () => {
    const both = [await finished(everyTime), await finished(firstConsecutive)];
    return both.every(Boolean) ? (both as Attempt[][]) : undefined;
  }, { timeoutMs: 30_000, what: 'three finished attempts of each job' });
  await waitFor(() => smtp.received.length >= 2, { timeoutMs: 10_000, what: 'the two failure e-mails' });
  await new Promise((r) => setTimeout(r, 2_500)); // a late retry or a second e-mail would show up meanwhile
  await service.stop();

  for (const runs of [a, b]) {
    assert.equal(runs.map((r) => [r.attempt, r.status, r.retry_planned]), [[1, 'failed', true], [2, 'failed', true], [3, 'failed', false]]);
    assert.is(mailsAbout(runs[0].id).length + mailsAbout(runs[1].id).length, 0, 'no e-mail for an attempt a retry follows');
    assert.is(mailsAbout(runs[2].id).length, 1, 'one e-mail for the last attempt');
    assert.ok(mailsAbout(runs[2].id)[0].body.includes(`Run:       ${runs[2].id} (manual, attempt 3)`), mailsAbout(runs[2].id)[0].body);
  }
  assert.is(smtp.received.length, 2, smtp.received.map((m) => m.subject).join('\n'));
  assert.equal((await outboxOf(db(), everyTime)).map((m) => [m.run_id, m.kind]), [[a[2].id, 'failure']]);
  assert.equal((await outboxOf(db(), firstConsecutive)).map((m) => [m.run_id, m.kind]), [[b[2].id, 'failure']]);
});

test('a failed attempt whose retry succeeds sends no failure e-mail; the completion e-mail comes from the retry', async () => {
  const job = await insertNotifyJob(db(), { name: 'Flaky once', onFailure: 'every_time', onCompletion: 'every_time' });
  // The first UPDATE of recordings fails (one simulated outage), every later one works.
  await db().query(`CREATE SEQUENCE fail_once`);
  await db().query(`
    CREATE FUNCTION fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('fail_once') = 1 THEN RAISE EXCEPTION 'simulated outage'; END IF;
      RETURN NULL;
    END $$`);
  await db().query(`CREATE TRIGGER fail_once BEFORE UPDATE ON conflag.recordings FOR EACH STATEMENT EXECUTE FUNCTION fail_once()`);
  try {
    const service = await startTestService({ config: { retryLimit: 2 }, email: emailConfig(smtp.url) });
    await db().query(`SELECT conflag.request_run('Flaky once')`);
    const runs = await waitFor(async () => {
      const list = await attemptsOf(job);
      return list.length === 2 && list[1].status !== 'running' ? list : undefined;
    }, { timeoutMs: 20_000, what: 'a failed attempt and its retry' });
    await waitFor(() => smtp.received.length >= 1, { timeoutMs: 10_000, what: 'the completion e-mail' });
    await new Promise((r) => setTimeout(r, 1_000));
    await service.stop();
    assert.equal(runs.map((r) => [r.attempt, r.status, r.retry_planned]), [[1, 'failed', true], [2, 'succeeded', false]]);
    assert.equal((await outboxOf(db(), job)).map((m) => [m.run_id, m.kind]), [[runs[1].id, 'completion']]);
    assert.equal(smtp.received.map((m) => m.headers['x-conflag-run']), [runs[1].id]);
  } finally {
    await db().query('DROP TRIGGER fail_once ON conflag.recordings');
  }
});

test("a run stopped by a runner's shutdown is retry_planned (no failure e-mail); the runner taking it over finishes it", async () => {
  await db().query('UPDATE conflag.recordings SET confidential = false WHERE confidential');
  const job = await insertNotifyJob(db(), { name: 'Handed over', onFailure: 'every_time' });
  const first = await startTestService({ config: { shutdownTimeoutMs: 1_000, retryLimit: 2 }, email: emailConfig(smtp.url), executeRun: (p, id, o) => executeRun(p, id, { ...o, parallelism: 1, batchUnits: 1 }) });
  const lock = await lockMatchingRecording(db());
  await db().query(`SELECT conflag.request_run('Handed over')`);
  await waitUntilBlocked(db(), Number(job));
  const second = await startTestService({ config: { retryLimit: 2 }, email: emailConfig(smtp.url) });
  const stopping = first.stop();
  await new Promise((r) => setTimeout(r, 300));
  await lock.release();
  await stopping;
  const runs = await waitFor(async () => {
    const list = await attemptsOf(job);
    return list.length === 2 && list[1].status === 'succeeded' ? list : undefined;
  }, { timeoutMs: 20_000, what: 'the second runner to finish the run' }).catch(async (error: Error) => {
    throw new Error(`${error.message}; runs: ${JSON.stringify(await attemptsOf(job))}`);
  });
  await new Promise((r) => setTimeout(r, 1_000));
  await second.stop();
  assert.equal(runs.map((r) => [r.attempt, r.status, r.retry_planned]), [[1, 'aborted', true], [2, 'succeeded', false]]);
  assert.equal(await outboxOf(db(), job), [], 'nothing to report: the request succeeded');
  assert.is(smtp.received.length, 0);
});

test('first_consecutive across retried failures: success, then a tick failing on all attempts -> one failure e-mail; its recovery -> one completion e-mail', async () => {
  const job = await insertNotifyJob(db(), { name: 'Streaks with retries', onFailure: 'first_consecutive', onCompletion: 'first_consecutive', condition: FAILABLE_CONDITION });
  // Each step is one attempt as the runner would call it: retryPlanned = a retry follows this attempt.
  const step = async (fail: boolean, retryPlanned = false) => {
    await (fail ? failure.fail() : failure.succeed());
    const result = await executeRun(db(), job, { trigger: 'schedule', retryPlannedOnFailure: retryPlanned });
    assert.is(result.status, fail ? 'failed' : 'succeeded');
    return result.runId;
  };
  const ok1 = await step(false); //                      first run ever: completion e-mail
  await step(true, true);
  await step(true, true);
  const fail1 = await step(true, false); //              the tick's last attempt: failure e-mail
  const ok2 = await step(false); //                      recovered: completion e-mail
  await step(true, true); //                             the next tick fails once …
  await step(false); //                                  … and its retry succeeds: nothing changed, no e-mail
  await step(true, true);
  const fail2 = await step(true, false); //              a tick failing on all attempts again
  await step(true, true);
  await step(true, false); //                            still failing (next tick): no e-mail
  const runs = await attemptsOf(job);
  assert.equal(runs.map((r) => r.retry_planned), [false, true, true, false, false, true, false, true, false, true, false]);
  assert.equal((await outboxOf(db(), job)).map((m) => [m.run_id, m.kind]),
    [[ok1, 'completion'], [fail1, 'failure'], [ok2, 'completion'], [fail2, 'failure']]);
});

test('executeRun: retry_planned only for a failure, or a stop by the signal; never for a time-limit abort or a success', async () => {
  const job = await insertNotifyJob(db(), { name: 'Flag options', onFailure: 'every_time', onCompletion: 'every_time' });
  const planned = { retryPlannedOnFailure: true, retryPlannedOnStop: true };

  const succeeded = await executeRun(db(), job, { trigger: 'manual', ...planned });
  assert.is(succeeded.status, 'succeeded');

  const stop = new AbortController();
  stop.abort(new Error('runner shutting down'));
  const stopped = await executeRun(db(), job, { trigger: 'manual', ...planned, signal: stop.signal, parallelism: 1, batchUnits: 1 });
  assert.is(stopped.status, 'aborted');
  assert.is(stopped.stopped, true);
  assert.is(stopped.retryPlanned, true);

  const notRetried = await executeRun(db(), job, { trigger: 'manual', retryPlannedOnFailure: true, signal: stop.signal, parallelism: 1, batchUnits: 1 });
  assert.is(notRetried.status, 'aborted');
  assert.is(notRetried.retryPlanned, false, 'a stop nobody retries');

  await db().query('UPDATE conflag.jobs SET execution_time_limit_minutes = 1 WHERE id = $1', [job]);
  let ticks = 0;
  const timedOut = await executeRun(db(), job, { trigger: 'manual', ...planned, parallelism: 1, batchUnits: 1, clock: () => Date.now() + (++ticks > 3 ? 120_000 : 0) });
  assert.is(timedOut.status, 'aborted');
  assert.match(timedOut.error!, /execution time limit/);
  assert.is(timedOut.stopped, false);
  assert.is(timedOut.retryPlanned, false, 'a time-limit abort is not retried');

  const runs = await attemptsOf(job);
  assert.equal(runs.map((r) => [r.status, r.retry_planned]), [['succeeded', false], ['aborted', true], ['aborted', false], ['aborted', false]]);
  assert.equal((await outboxOf(db(), job)).map((m) => [m.run_id, m.kind]),
    [[succeeded.runId, 'completion'], [notRetried.runId, 'failure'], [timedOut.runId, 'failure']]);

  // The table refuses a planned retry of a run that did not fail.
  const refused = await db().query(`UPDATE conflag.job_runs SET retry_planned = true WHERE id = $1`, [succeeded.runId]).then(() => null, (error: Error) => error);
  assert.match(String(refused?.message), /job_runs_retry_planned_check/);
});

test('a request whose three attempts are all ended by the keep-alive gets one failure e-mail, about the last', async () => {
  await db().query('UPDATE conflag.recordings SET confidential = false WHERE confidential');
  const job = await insertNotifyJob(db(), { name: 'Hangs every time', onFailure: 'every_time' });
  await db().query(`UPDATE conflag.jobs SET keep_alive_timeout_minutes = 1 WHERE id = $1`, [job]);
  const lock = await lockMatchingRecording(db());
  try {
    await startTestService({ config: { retryLimit: 2 }, email: emailConfig(smtp.url) });
    await startTestService({ config: { retryLimit: 2, keepAliveCheckIntervalMs: 300 }, email: emailConfig(smtp.url), now: () => new Date(Date.now() + 61_000) });
    await db().query(`SELECT conflag.request_run('Hangs every time')`);
    await waitFor(async () => {
      const { rows } = await db().query(`SELECT count(*)::int AS n FROM conflag.job_runs WHERE job_id = $1 AND status = 'interrupted'`, [job]);
      return rows[0].n === 3;
    }, { timeoutMs: 30_000, what: 'three interrupted attempts' });
  } finally {
    await lock.release();
  }
  // Earlier tests' runs queued e-mails that this file's services send too: only this job's count.
  const mine = () => smtp.received.filter((m) => m.headers['x-conflag-job'] === job);
  await waitFor(() => mine().length >= 1, { timeoutMs: 10_000, what: 'the failure e-mail' });
  await new Promise((r) => setTimeout(r, 2_000)); // a second e-mail or a fourth attempt would show up meanwhile
  const { rows: runs } = await db().query(
    `SELECT id::text, attempt, status, retry_planned, error FROM conflag.job_runs WHERE job_id = $1 ORDER BY id`,
    [job],
  );
  console.log(`figures: keep-alive expiries: 1 request, ${runs.length} attempts (${runs.filter((r) => r.status === 'interrupted').length} ended by the keep-alive), ${mine().length} failure e-mail(s)`);
  assert.equal(runs.map((r) => [r.attempt, r.status, r.retry_planned]), [[1, 'interrupted', true], [2, 'interrupted', true], [3, 'interrupted', false]]);
  for (const run of runs) assert.match(run.error, /^interrupted by the keep-alive: no heartbeat from its runner \S+ for 1 minutes \(keep_alive_timeout_minutes\)/);
  assert.is(mine().length, 1, mine().map((m) => m.subject).join('\n'));
  assert.is(mine()[0].headers['x-conflag-run'], runs[2].id);
  assert.match(mine()[0].subject, 'was interrupted');
  assert.equal((await outboxOf(db(), job)).map((m) => [m.run_id, m.kind]), [[runs[2].id, 'failure']]);
  const { rows: [request] } = await db().query(`SELECT run_id::text FROM conflag.run_requests WHERE job_id = $1`, [job]);
  assert.is(request.run_id, runs[2].id, 'the request names the attempt that answered it last');
  await stopAll();
});

test.run();
