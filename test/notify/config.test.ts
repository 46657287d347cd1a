// The sender's settings and rules without a mail server: CONFLAG_SMTP_URL and the e-mail variables (defaults,
// refusals that never echo a password), the retry backoff, and the portal_url warning's rate limit.
import * as assert from 'uvu/assert';
import { describeSmtp, readEmailConfig } from '../../src/notify/emailConfig.ts';
import { createPortalUrlCheck, PORTAL_URL_WARNING } from '../../src/notify/portalUrlWarning.ts';
import { retryDelayMs } from '../../src/notify/retryDelay.ts';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { captureLog } from './helpers.ts';

const test = suite('notify: configuration, backoff, portal_url warning');
test.after(closePools);

test('defaults: no SMTP server, poll 30 s, retry after 60 s doubling up to 1 h, 10 attempts; 30 s to connect, 10 minutes for answers', () => {
  const config = readEmailConfig({});
  assert.equal(
    { ...config },
    {
      smtpUrl: null, pollIntervalMs: 30_000, retryDelayMs: 60_000, retryDelayMaxMs: 3_600_000, maxAttempts: 10,
      smtpTimeoutMs: 30_000, replyTimeoutMs: 600_000, sendDeadlineMs: 630_000, leaseMs: 690_000,
    },
  );
  assert.ok(config.leaseMs > config.sendDeadlineMs, 'a claimed e-mail outlasts the longest attempt to send it');
  const quick = readEmailConfig({ CONFLAG_SMTP_TIMEOUT_SECONDS: '2', CONFLAG_SMTP_REPLY_TIMEOUT_SECONDS: '5' });
  assert.equal([quick.smtpTimeoutMs, quick.replyTimeoutMs, quick.sendDeadlineMs, quick.leaseMs], [2_000, 5_000, 7_000, 67_000]);
  assert.throws(() => readEmailConfig({ CONFLAG_SMTP_REPLY_TIMEOUT_SECONDS: '0' }), /CONFLAG_SMTP_REPLY_TIMEOUT_SECONDS="0" is not valid; use a number from 1 to 3600 \(default 600\)/);
});

test('CONFLAG_SMTP_URL: smtp:// and smtps:// are taken; anything else is refused without repeating the password', () => {
  assert.is(readEmailConfig({ CONFLAG_SMTP_URL: 'smtps://mailer:s3cret@mail.example.com:465' }).smtpUrl, 'smtps://mailer:s3cret@mail.example.com:465');
  assert.is(describeSmtp('smtp://mailer:s3cret@mail.example.com:587'), 'smtp://mail.example.com:587');
  for (const bad of ['https://mailer:s3cret@mail.example.com', 'mailer:s3cret@mail', 's3cret']) {
    assert.throws(() => readEmailConfig({ CONFLAG_SMTP_URL: bad }), (error: Error) => /CONFLAG_SMTP_URL/.test(error.message) && !error.message.includes('s3cret'));
  }
  assert.throws(() => readEmailConfig({ CONFLAG_EMAIL_MAX_ATTEMPTS: '0' }), /CONFLAG_EMAIL_MAX_ATTEMPTS="0" is not valid/);
  assert.throws(() => readEmailConfig({ CONFLAG_EMAIL_RETRY_DELAY_SECONDS: 'soon' }), /CONFLAG_EMAIL_RETRY_DELAY_SECONDS/);
});

test('backoff: the delay doubles after each failed attempt, up to the maximum', () => {
  const config = { retryDelayMs: 60_000, retryDelayMaxMs: 3_600_000 };
  assert.equal([1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => retryDelayMs(n, config) / 1000), [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
});

test('portal_url warning: at once while unset, then at most once per repeat interval, again after it was set and unset', async () => {
  const db = openPool();
  let now = 0;
  const captured = captureLog();
  const check = createPortalUrlCheck(captured.log, { repeatMs: 1000, clock: () => now });
  const warnings = () => captured.lines().filter((l) => l.msg === PORTAL_URL_WARNING).length;
  await db.query(`UPDATE conflag.settings SET portal_url = NULL, email_enabled = true, email_from = 'conflag@example.com'`);
  assert.is(await check.check(db), null);
  assert.is(warnings(), 1);
  now = 999;
  await check.check(db);
  assert.is(warnings(), 1, 'not again within the interval');
  now = 1000;
  await check.check(db);
  assert.is(warnings(), 2, 'repeated after the interval');
  await db.query(`UPDATE conflag.settings SET portal_url = 'https://portal.example.com'`);
  assert.is(await check.check(db), 'https://portal.example.com');
  await db.query('UPDATE conflag.settings SET portal_url = NULL');
  await check.check(db);
  assert.is(warnings(), 3, 'unset again: warned at once');
  assert.is(captured.lines().find((l) => l.msg === PORTAL_URL_WARNING)!.level, 40);
  await db.query('UPDATE conflag.settings SET email_enabled = false');
});

test('portal_url warning: none while e-mail is disabled (the URL is only used in e-mails); at once when it is enabled', async () => {
  const db = openPool();
  let now = 0;
  const captured = captureLog();
  const check = createPortalUrlCheck(captured.log, { repeatMs: 1000, clock: () => now });
  const warnings = () => captured.lines().filter((l) => l.msg === PORTAL_URL_WARNING).length;
  await db.query('UPDATE conflag.settings SET portal_url = NULL, email_enabled = false');
  for (now = 0; now < 5000; now += 1000) assert.is(await check.check(db), null);
  assert.is(warnings(), 0, 'e-mail disabled: no warning, however often checked');
  await db.query(`UPDATE conflag.settings SET email_enabled = true, email_from = 'conflag@example.com'`);
  await check.check(db);
  assert.is(warnings(), 1, 'enabled without a portal_url: warned at once');
  await db.query('UPDATE conflag.settings SET email_enabled = false');
});

test.run();
