// The runner sends the outbox through a real SMTP server (smtp-server on 127.0.0.1): a failing job's e-mail
// reaches every address with the job, status, error, counts and a portal link; completion e-mails; nothing while
// email_enabled is false; retries while the server is down or answers 4xx, delivery when it is back; giving up
// after the attempt limit; two runners on one database send each e-mail once; a missing CONFLAG_SMTP_URL and an
// unset portal_url are logged as warnings. Runs are real (executeRun, and once the whole service via request_run).
import * as assert from 'uvu/assert';
import { startEmailLoop, type EmailLoop } from '../../src/notify/startEmailLoop.ts';
import { PORTAL_URL_WARNING } from '../../src/notify/portalUrlWarning.ts';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { db, startTestService, stopAll, waitFor } from '../service/helpers.ts';
import {
  captureLog,
  emailConfig,
  enableEmail,
  FAILABLE_CONDITION,
  insertNotifyJob,
  installFailureSwitch,
  outboxOf,
  startSmtp,
  type TestSmtp,
} from './helpers.ts';

const test = suite('notify: sending e-mails');
let smtp: TestSmtp;
let failure: Awaited<ReturnType<typeof installFailureSwitch>>;
const loops: EmailLoop[] = [];

test.before(async () => {
  smtp = await startSmtp();
  failure = await installFailureSwitch(db());
  await enableEmail(db());
});
test.after(async () => {
  await Promise.all(loops.splice(0).map((l) => l.stop()));
  await stopAll();
  await smtp.close();
  await closePools();
});
test.before.each(async () => {
  smtp.received.length = 0;
  smtp.failWith = null;
  smtp.delayMs = 0;
  await failure.succeed();
});

function loop(options: Parameters<typeof emailConfig>[1] & { smtpUrl?: string | null; log?: ReturnType<typeof captureLog>['log']; runner?: string } = {}): EmailLoop {
  const { smtpUrl, log, runner, ...overrides } = options;
  const started = startEmailLoop({ pool: db(), config: emailConfig(smtpUrl === undefined ? smtp.url : smtpUrl, overrides), log: log ?? captureLog().log, runner });
  loops.push(started);
  return started;
}

async function stopLoops(): Promise<void> {
  await Promise.all(loops.splice(0).map((l) => l.stop()));
}

test('a failing job (notify_on_failure every_time) e-mails each address once, with job, status, error, counts and the portal link', async () => {
  const job = await insertNotifyJob(db(), { name: 'Flag long calls', onFailure: 'every_time', emails: 'ops@example.com, dba@example.org', condition: FAILABLE_CONDITION });
  await failure.fail();
  // Polling is an hour away: only NOTIFY conflag_email_outbox can bring the e-mail out within the wait.
  const service = await startTestService({ email: emailConfig(smtp.url, { pollIntervalMs: 3_600_000 }) });
  await db().query('SELECT conflag.request_run($1)', ['Flag long calls']);
  await waitFor(() => smtp.received.length >= 1, { timeoutMs: 20_000, what: 'the failure e-mail' });
  await new Promise((r) => setTimeout(r, 700)); // a second copy would arrive within a poll interval
  await service.stop();
  // The runner retries a failed run (CONFLAG_RETRY_LIMIT 2): only the last attempt, after which no retry
  // follows, e-mails (test/notify/retries.test.ts has the details).
  const { rows } = await db().query(`SELECT id::text, error, attempt FROM conflag.job_runs WHERE job_id = $1 ORDER BY id DESC LIMIT 1`, [job]);
  const run = rows[0];
  assert.match(run.error, /division by zero/);
  assert.is(run.attempt, 3);

  const mail = smtp.received.find((m) => m.headers['x-conflag-run'] === run.id)!;
  assert.ok(mail, `an e-mail about run ${run.id}: ${smtp.received.map((m) => m.subject)}`);
  assert.equal(smtp.received.length, 1, 'one e-mail for the request, not one per attempt');
  assert.equal(mail.to.sort(), ['dba@example.org', 'ops@example.com'], 'one e-mail, delivered to each address');
  assert.is(mail.from, 'conflag@example.com');
  assert.is(mail.headers.from, 'Conflag <conflag@example.com>');
  assert.is(mail.subject, `conflag: job "Flag long calls" failed (run ${run.id})`);
  for (const part of [`Job "Flag long calls" (id ${job}) failed.`, 'Status:    failed', `Run:       ${run.id} (manual, attempt 3)`,
    'Matched:   0 recording(s)', 'Changed:   0 recording(s)', `Error:     ${run.error}`,
    `Job details: https://recordings.example.com/jobs/${job} (run ${run.id})`]) {
    assert.ok(mail.body.includes(part), `body has ${JSON.stringify(part)}:\n${mail.body}`);
  }
  const sent = (await outboxOf(db(), job)).find((m) => m.run_id === run.id)!;
  assert.is(sent.status, 'sent');
  assert.is(sent.attempts, 1);
  assert.is(sent.message_id, mail.headers['message-id']);
  await failure.succeed();
});

test('completion e-mail (notify_on_completion every_time) with the number of recordings changed', async () => {
  const job = await insertNotifyJob(db(), { name: 'Completion', onCompletion: 'every_time', emails: 'team@example.com', condition: FAILABLE_CONDITION });
  const result = await executeRun(db(), job, { trigger: 'manual' });
  assert.is(result.status, 'succeeded');
  await loop().runNow();
  assert.is(smtp.received.length, 1);
  assert.is(smtp.received[0].subject, `conflag: job "Completion" succeeded, ${result.changed} recording(s) changed (run ${result.runId})`);
  assert.ok(smtp.received[0].body.includes(`Changed:   ${result.changed} recording(s)`), smtp.received[0].body);
  assert.equal(smtp.received[0].to, ['team@example.com']);
  await stopLoops();
});

test('email_enabled = false: runs queue nothing and nothing is sent', async () => {
  const job = await insertNotifyJob(db(), { name: 'Disabled mail', onCompletion: 'every_time', onFailure: 'every_time', condition: FAILABLE_CONDITION });
  await db().query('UPDATE conflag.settings SET email_enabled = false');
  try {
    assert.is((await executeRun(db(), job, { trigger: 'manual' })).status, 'succeeded');
    const sender = loop();
    await sender.runNow();
    assert.is(sender.state, 'email disabled');
    assert.equal(await outboxOf(db(), job), []);
    assert.is(smtp.received.length, 0);
  } finally {
    await stopLoops();
    await db().query('UPDATE conflag.settings SET email_enabled = true');
  }
});

test('first_consecutive through real runs: fail, fail, fail -> one e-mail; success, fail -> one; fail, success -> one', async () => {
  const job = await insertNotifyJob(db(), { name: 'Streaks', onFailure: 'first_consecutive', onCompletion: 'first_consecutive', condition: FAILABLE_CONDITION });
  const statuses: string[] = [];
  const step = async (fail: boolean) => {
    await (fail ? failure.fail() : failure.succeed());
    statuses.push((await executeRun(db(), job, { trigger: 'manual' })).status);
  };
  for (const fail of [true, true, true, false, true, false]) await step(fail);
  assert.equal(statuses, ['failed', 'failed', 'failed', 'succeeded', 'failed', 'succeeded']);
  await loop().runNow();
  assert.equal(smtp.received.map((m) => / (failed|succeeded)/.exec(m.subject)?.[1]), ['failed', 'succeeded', 'failed', 'succeeded']);
  await stopLoops();
  await failure.succeed();
});

test('SMTP down: the e-mail stays pending and is retried with backoff, then delivered when the server is back', async () => {
  const job = await insertNotifyJob(db(), { name: 'Server down', onFailure: 'every_time', condition: FAILABLE_CONDITION });
  await failure.fail();
  const result = await executeRun(db(), job, { trigger: 'manual' });
  await failure.succeed();
  await smtp.down();
  const captured = captureLog();
  const sender = loop({ log: captured.log, retryDelayMs: 400 });
  const attempted = await waitFor(async () => {
    const [row] = await outboxOf(db(), job);
    return row.attempts >= 2 && row;
  }, { timeoutMs: 10_000, what: 'two failed attempts' });
  assert.is(attempted.status, 'pending');
  assert.match(attempted.last_error!, /ECONNECTION|ECONNREFUSED/);
  assert.ok(captured.lines().some((l) => l.msg === 'notification e-mail not sent; will retry' && l.run === result.runId), 'the failed attempt is logged with its run');
  await smtp.up();
  sender.wake();
  const [sent] = await waitFor(async () => {
    const rows = await outboxOf(db(), job);
    return rows[0].status === 'sent' && rows;
  }, { timeoutMs: 10_000, what: 'delivery after the server came back' });
  assert.ok(sent.attempts >= 3, `attempts ${sent.attempts}`);
  assert.is(smtp.received.filter((m) => m.headers['x-conflag-run'] === result.runId).length, 1);
  await stopLoops();
});

test('a 4xx answer is retried; after the attempt limit the e-mail is marked failed with the server answer', async () => {
  const job = await insertNotifyJob(db(), { name: 'Rejected', onFailure: 'every_time', condition: FAILABLE_CONDITION });
  await failure.fail();
  await executeRun(db(), job, { trigger: 'manual' });
  await failure.succeed();
  smtp.failWith = { code: 451, message: 'try again later' };
  loop({ maxAttempts: 3, retryDelayMs: 100 });
  const [row] = await waitFor(async () => {
    const rows = await outboxOf(db(), job);
    return rows[0].status === 'failed' && rows;
  }, { timeoutMs: 10_000, what: 'the e-mail to be given up' });
  assert.is(row.attempts, 3);
  assert.match(row.last_error!, /^451 .*try again later/);
  assert.is(smtp.received.length, 0);
  await stopLoops();
});

/** Queues `count` e-mails of one job through real runs (alternating success and failure) while no sender is up. */
async function queueEmails(name: string, count: number) {
  const job = await insertNotifyJob(db(), { name, onFailure: 'every_time', onCompletion: 'every_time', condition: FAILABLE_CONDITION });
  for (let i = 0; i < count; i++) {
    await (i % 2 ? failure.fail() : failure.succeed());
    await executeRun(db(), job, { trigger: 'manual' });
  }
  await failure.succeed();
  const queued = await outboxOf(db(), job);
  assert.is(queued.length, count);
  return { job, queued };
}

function sentRuns(queued: Array<{ run_id: string }>): string[] {
  return smtp.received.map((m) => m.headers['x-conflag-run']).filter((id) => queued.some((q) => q.run_id === id));
}

test('two senders working at once on a slow server: each e-mail claimed by one of them, sent exactly once', async () => {
  const { job, queued } = await queueEmails('Busy senders', 20);
  smtp.delayMs = 40;
  loop({ runner: 'runner-a' });
  loop({ runner: 'runner-b' });
  await waitFor(async () => (await outboxOf(db(), job)).every((m) => m.status === 'sent'), { timeoutMs: 20_000, what: 'all 20 e-mails sent' });
  await stopLoops();
  const runs = sentRuns(queued);
  assert.is(runs.length, 20, 'no e-mail sent twice');
  assert.is(new Set(runs).size, 20, 'every e-mail sent');
  const { rows } = await db().query(`SELECT sent_by, count(*)::int AS n FROM conflag.email_outbox WHERE job_id = $1 GROUP BY 1 ORDER BY 1`, [job]);
  assert.equal(rows.map((r) => r.sent_by), ['runner-a', 'runner-b'], `both senders took a share: ${JSON.stringify(rows)}`);
});

test('two runner services sharing the database send each e-mail exactly once', async () => {
  const { job, queued } = await queueEmails('Many runs', 30);
  const [a, b] = await Promise.all([startTestService({ email: emailConfig(smtp.url) }), startTestService({ email: emailConfig(smtp.url) })]);
  await waitFor(async () => (await outboxOf(db(), job)).every((m) => m.status === 'sent'), { timeoutMs: 20_000, what: 'all 30 e-mails sent' });
  await new Promise((r) => setTimeout(r, 700)); // a second copy would come within a poll interval
  await Promise.all([a.stop(), b.stop()]);
  const runs = sentRuns(queued);
  assert.is(runs.length, 30, 'no e-mail sent twice');
  assert.is(new Set(runs).size, 30, 'every e-mail sent');
});

test('email_enabled but no CONFLAG_SMTP_URL: one clear warning, e-mails stay pending', async () => {
  const job = await insertNotifyJob(db(), { name: 'No SMTP', onFailure: 'every_time', condition: FAILABLE_CONDITION });
  await failure.fail();
  await executeRun(db(), job, { trigger: 'manual' });
  await failure.succeed();
  const captured = captureLog();
  const sender = loop({ smtpUrl: null, log: captured.log });
  await sender.runNow();
  await sender.runNow();
  assert.is(sender.state, 'no smtp');
  const warnings = captured.lines().filter((l) => l.level === 40 && /CONFLAG_SMTP_URL is not set/.test(l.msg));
  assert.is(warnings.length, 1, JSON.stringify(captured.lines()));
  assert.ok((warnings[0].pending as number) >= 1);
  assert.is((await outboxOf(db(), job))[0].status, 'pending');
  await stopLoops();
  // Leave nothing pending for the other tests' senders.
  await db().query(`UPDATE conflag.email_outbox SET status = 'failed' WHERE job_id = $1`, [job]);
});

test('portal_url unset: the runner warns at start how to set it', async () => {
  await db().query('UPDATE conflag.settings SET portal_url = NULL');
  try {
    const captured = captureLog();
    const service = await startTestService({ log: captured.log, email: emailConfig(smtp.url) });
    await service.stop();
    const warning = captured.lines().find((l) => l.msg === PORTAL_URL_WARNING);
    assert.ok(warning, JSON.stringify(captured.lines().map((l) => l.msg)));
    assert.is(warning!.level, 40);
    assert.match(warning!.msg, /UPDATE conflag\.settings SET portal_url = '/);
  } finally {
    await db().query(`UPDATE conflag.settings SET portal_url = 'https://recordings.example.com/'`);
  }
  const captured = captureLog();
  await (await startTestService({ log: captured.log, email: emailConfig(smtp.url) })).stop();
  assert.not.ok(captured.lines().some((l) => l.msg === PORTAL_URL_WARNING), 'no warning once it is set');
});

test.run();
