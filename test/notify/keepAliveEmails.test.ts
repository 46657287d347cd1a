// One failure e-mail per request, whatever ends its attempts (issue 10): before, a request whose attempts were
// all ended by the keep-alive produced 3 runs and 3 failure e-mails. Here every attempt of the request hangs on a
// row the test holds and is ended by the keep-alive ("no heartbeat": the keep-alive's runner runs its clock 61 s
// ahead, as if the 1-minute keep-alive timeout had passed); each attempt but the last is retry_planned, so the
// request gets exactly one failure e-mail, about its last attempt, through a real SMTP server.
import * as assert from 'uvu/assert';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { db, insertRecordings, lockMatchingRecording, startTestService, stopAll, waitFor } from '../service/helpers.ts';
import { emailConfig, enableEmail, insertNotifyJob, outboxOf, startSmtp, type TestSmtp } from './helpers.ts';

const test = suite('notify: one failure e-mail per request across keep-alive expiries');
let smtp: TestSmtp;

test.before(async () => {
  smtp = await startSmtp();
  await insertRecordings(db(), 30);
  await enableEmail(db());
});
test.after(async () => {
  await stopAll();
  await smtp.close();
  await closePools();
});

test('three attempts, each ended by the keep-alive, one failure e-mail about the last', async () => {
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
  await waitFor(() => smtp.received.length >= 1, { timeoutMs: 10_000, what: 'the failure e-mail' });
  await new Promise((r) => setTimeout(r, 2_000)); // a second e-mail or a fourth attempt would show up meanwhile
  const { rows: runs } = await db().query(
    `SELECT id::text, attempt, status, retry_planned, error FROM conflag.job_runs WHERE job_id = $1 ORDER BY id`,
    [job],
  );
  console.log(`figures: keep-alive expiries: 1 request, ${runs.length} attempts (${runs.filter((r) => r.status === 'interrupted').length} ended by the keep-alive), ${smtp.received.length} failure e-mail(s)`);
  assert.equal(runs.map((r) => [r.attempt, r.status, r.retry_planned]), [[1, 'interrupted', true], [2, 'interrupted', true], [3, 'interrupted', false]]);
  for (const run of runs) assert.match(run.error, /^interrupted by the keep-alive: no heartbeat from its runner \S+ for 1 minutes \(keep_alive_timeout_minutes\)/);
  assert.is(smtp.received.length, 1, smtp.received.map((m) => m.subject).join('\n'));
  assert.is(smtp.received[0].headers['x-conflag-run'], runs[2].id);
  assert.match(smtp.received[0].subject, 'was interrupted');
  assert.equal((await outboxOf(db(), job)).map((m) => [m.run_id, m.kind]), [[runs[2].id, 'failure']]);
  const { rows: [request] } = await db().query(`SELECT run_id::text FROM conflag.run_requests WHERE job_id = $1`, [job]);
  assert.is(request.run_id, runs[2].id, 'the request names the attempt that answered it last');
});

test.run();
