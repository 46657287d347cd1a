// A slow mail server gets no duplicates (issue 10). With a server that answers the message after 3 s and
// CONFLAG_SMTP_TIMEOUT_SECONDS=2, the old sender gave up on every answer, and the server delivered each attempt:
// 5 e-mails arrived 17 times in 40 s. Now the connect/greeting timeout is apart from the time the server may take
// to answer (CONFLAG_SMTP_REPLY_TIMEOUT_SECONDS, 10 minutes), every attempt has a hard deadline, and the claim's
// lease outlasts it: two runners sending at once deliver each e-mail once, and no e-mail is ever in two SMTP
// conversations at the same time. A server slower even than the reply timeout shows the window that remains: the
// attempt is cut, the server delivers it anyway, the later retry is a second copy with the same Message-ID —
// one after the other, never in parallel.
import * as assert from 'uvu/assert';
import { readEmailConfig } from '../../src/notify/emailConfig.ts';
import { startEmailLoop, type EmailLoop } from '../../src/notify/startEmailLoop.ts';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { db, waitFor } from '../service/helpers.ts';
import { captureLog, enableEmail, insertNotifyJob, startSmtp, type TestSmtp } from './helpers.ts';

const test = suite('notify: a slow mail server');
let smtp: TestSmtp;
const loops: EmailLoop[] = [];

test.before(async () => {
  smtp = await startSmtp();
  await enableEmail(db());
});
test.after(async () => {
  await Promise.all(loops.splice(0).map((l) => l.stop()));
  await smtp.close();
  await closePools();
});

/** Two runners' senders, configured from the environment as `conflag start` would be. */
function twoSenders(env: Record<string, string>): void {
  const config = readEmailConfig({ CONFLAG_SMTP_URL: smtp.url, CONFLAG_EMAIL_POLL_SECONDS: '0.3', CONFLAG_EMAIL_RETRY_DELAY_SECONDS: '0.3', ...env });
  for (const runner of ['runner-a', 'runner-b']) loops.push(startEmailLoop({ pool: db(), config, log: captureLog().log, runner }));
}

async function stopSenders(): Promise<void> {
  await Promise.all(loops.splice(0).map((l) => l.stop()));
}

/** Runs `count` jobs that e-mail on completion; returns their outbox ids once queued. */
async function queueEmails(prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const job = await insertNotifyJob(db(), { name: `${prefix} ${i}`, onCompletion: 'every_time' });
    assert.is((await executeRun(db(), job, { trigger: 'manual' })).status, 'succeeded');
  }
}

/** Connections that carried the same Message-ID while both were open. */
function overlapping(): string[] {
  const found: string[] = [];
  const carried = smtp.sessions.filter((s) => s.messageIds.length);
  for (const a of carried) {
    for (const b of carried) {
      if (a.id >= b.id || !a.messageIds.some((m) => b.messageIds.includes(m))) continue;
      const [aEnd, bEnd] = [a.closedAt ?? Infinity, b.closedAt ?? Infinity];
      if (a.openedAt < bEnd && b.openedAt < aEnd) found.push(`${a.messageIds[0]}: connections ${a.id} and ${b.id}`);
    }
  }
  return found;
}

test('a server answering after 3 s, with CONFLAG_SMTP_TIMEOUT_SECONDS=2 and two runners sending: each e-mail arrives once', async () => {
  smtp.received.length = 0;
  smtp.sessions.length = 0;
  smtp.delayMs = 3_000;
  await queueEmails('slow', 5);
  twoSenders({ CONFLAG_SMTP_TIMEOUT_SECONDS: '2' });
  await waitFor(() => smtp.received.length >= 5, { timeoutMs: 40_000, what: 'the five e-mails' });
  // The old sender's retries of a timed-out attempt came 0.3 s apart here; a second copy would be in by now.
  await new Promise((r) => setTimeout(r, 8_000));
  await stopSenders();
  const ids = smtp.received.map((m) => m.headers['message-id']);
  const { rows } = await db().query(`SELECT status, attempts FROM conflag.email_outbox ORDER BY id`);
  console.log(`figures: slow SMTP server (answers after 3 s; CONFLAG_SMTP_TIMEOUT_SECONDS=2; two senders): 5 e-mails, ${smtp.received.length} delivered, ${smtp.received.length - new Set(ids).size} duplicates, ${overlapping().length} sent twice at once`);
  assert.is(smtp.received.length, 5, ids.join(', '));
  assert.is(new Set(ids).size, 5);
  assert.equal(rows, Array.from({ length: 5 }, () => ({ status: 'sent', attempts: 1 })));
  assert.equal(overlapping(), []);
});

test('a server slower than CONFLAG_SMTP_REPLY_TIMEOUT_SECONDS: the attempt is cut, and the retry — a second copy — comes only after it, never alongside', async () => {
  await db().query('DELETE FROM conflag.email_outbox');
  smtp.received.length = 0;
  smtp.sessions.length = 0;
  smtp.delayMs = 3_000;
  await queueEmails('slower', 1);
  twoSenders({ CONFLAG_SMTP_TIMEOUT_SECONDS: '2', CONFLAG_SMTP_REPLY_TIMEOUT_SECONDS: '1' });
  const failed = await waitFor(async () => {
    const { rows } = await db().query(`SELECT attempts, last_error FROM conflag.email_outbox WHERE last_error IS NOT NULL`);
    return rows[0];
  }, { timeoutMs: 15_000, what: 'the first attempt to be cut' });
  smtp.delayMs = 0; // the server recovers: the next attempt goes through
  await waitFor(async () => (await db().query(`SELECT 1 FROM conflag.email_outbox WHERE status = 'sent'`)).rowCount === 1, {
    timeoutMs: 15_000, what: 'the retry to be sent',
  });
  await waitFor(() => smtp.received.length >= 2, { timeoutMs: 10_000, what: 'the late copy of the first attempt' });
  await new Promise((r) => setTimeout(r, 1_000));
  await stopSenders();
  assert.match(failed.last_error, /no answer within CONFLAG_SMTP_REPLY_TIMEOUT_SECONDS=1 .*may deliver it anyway, and the retry is a second copy with the same Message-ID/);
  const ids = smtp.received.map((m) => m.headers['message-id']);
  console.log(`figures: SMTP server slower than the reply timeout: 1 e-mail, ${smtp.received.length} copies (the documented window), ${overlapping().length} sent twice at once`);
  assert.is(smtp.received.length, 2, 'the cut attempt was delivered anyway, and the retry too');
  assert.is(new Set(ids).size, 1, 'both copies carry the same Message-ID');
  const { rows } = await db().query(`SELECT status, attempts FROM conflag.email_outbox`);
  assert.equal(rows, [{ status: 'sent', attempts: 2 }]);
  assert.equal(overlapping(), [], 'the retry started only after the first attempt had been cut');
});

test.run();
