// The runner's e-mail sender: a background loop that sends due rows of conflag.email_outbox, woken by NOTIFY
// conflag_email_outbox (the trigger that queues an e-mail sends it) and polling as the safety net. Every runner
// runs one; claimDueEmail hands each e-mail to one of them. A failed attempt is retried with backoff, up to
// maxAttempts, then the row is 'failed' with last_error. Nothing is sent while conflag.settings.email_enabled is
// false or no SMTP server is configured (rows stay pending, with one warning per runner start).
import os from 'node:os';
import type pg from 'pg';
import type { Logger } from '../log.ts';
import { startBackgroundLoop, type BackgroundLoop } from '../service/backgroundLoop.ts';
import { createMailer, type Mailer } from './createMailer.ts';
import { describeSmtp, type EmailConfig } from './emailConfig.ts';
import {
  claimDueEmail,
  failExhaustedEmails,
  markEmailAttemptFailed,
  markEmailSent,
  nextEmailDueAt,
  readEmailSettings,
  type ClaimedEmail,
} from './outboxQueries.ts';
import { retryDelayMs } from './retryDelay.ts';

/** E-mails one pass sends at most before the loop looks at the rest (keeps passes short for stop()). */
const MAX_PER_PASS = 50;

export interface EmailLoop extends BackgroundLoop {
  /** What the sender is doing, for logs and tests. */
  readonly state: 'sending' | 'email disabled' | 'no smtp';
}

export function startEmailLoop(deps: { pool: pg.Pool; config: EmailConfig; log: Logger; runner?: string }): EmailLoop {
  const { pool, config } = deps;
  const log = deps.log.child({ loop: 'e-mail' });
  const runner = deps.runner ?? `${os.hostname()}/${process.pid}`;
  const mailer: Mailer | null = config.smtpUrl ? createMailer({ ...config, smtpUrl: config.smtpUrl }) : null;
  let state: EmailLoop['state'] = 'email disabled';
  let warnedNoSmtp = false;
  // Set by stop(): the pass in flight ends after the e-mail being sent, so a shutdown waits for one SMTP
  // conversation at most, not for a whole batch.
  let stopping = false;

  const loop = startBackgroundLoop({
    name: 'e-mail sender',
    log: deps.log,
    intervalMs: config.pollIntervalMs,
    pass: async () => {
      const settings = await readEmailSettings(pool);
      // email_from is required while email_enabled (settings trigger); checked anyway, as the sender needs it.
      if (!settings.emailEnabled || !settings.emailFrom) {
        state = 'email disabled';
        return;
      }
      if (!mailer) {
        state = 'no smtp';
        if (!warnedNoSmtp) {
          warnedNoSmtp = true;
          const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM conflag.email_outbox WHERE status = 'pending'`);
          log.warn(
            { pending: rows[0].n },
            'conflag.settings.email_enabled is true but CONFLAG_SMTP_URL is not set: no notification e-mails are sent; they wait in conflag.email_outbox (status pending) until a runner with CONFLAG_SMTP_URL=smtp://user:password@host:port starts',
          );
        }
        return;
      }
      state = 'sending';
      const gaveUp = await failExhaustedEmails(pool, config.maxAttempts);
      if (gaveUp.length) log.error({ emails: gaveUp }, 'notification e-mails out of attempts marked failed');
      for (let i = 0; i < MAX_PER_PASS && !stopping; i++) {
        const email = await claimDueEmail(pool, { leaseMs: config.leaseMs, maxAttempts: config.maxAttempts, runner });
        if (!email) break;
        const outcome = await sendOne(email, settings.emailFrom);
        // The server is unreachable: the other e-mails would fail the same way and each lose an attempt.
        if (outcome === 'server down') return config.retryDelayMs;
      }
      const due = await nextEmailDueAt(pool);
      if (due) return Math.max(50, due.getTime() - Date.now() + 20);
    },
  });

  async function sendOne(email: ClaimedEmail, from: string): Promise<'sent' | 'failed' | 'server down'> {
    const context = { email: email.id, run: email.runId, job: email.jobId, kind: email.kind, attempt: email.attempt, smtp: describeSmtp(config.smtpUrl) };
    try {
      const { messageId, rejected } = await mailer!.send(email, from);
      if (!(await markEmailSent(pool, email, messageId))) log.warn(context, 'e-mail sent, but another runner had taken it over meanwhile');
      if (rejected.length) log.warn({ ...context, rejected }, 'notification e-mail sent; the server rejected some recipients');
      else log.info({ ...context, recipients: email.recipients.length }, 'notification e-mail sent');
      return 'sent';
    } catch (error) {
      const err = error as Error & { responseCode?: number; code?: string };
      const reason = err.responseCode ? `${err.responseCode} ${err.message}` : `${err.code ?? err.name}: ${err.message}${mayHaveArrived(err)}`;
      const last = email.attempt >= config.maxAttempts;
      const delay = last ? null : retryDelayMs(email.attempt, config);
      await markEmailAttemptFailed(pool, email, reason, delay);
      if (last) log.error({ ...context, err: error }, `notification e-mail failed ${email.attempt} times; giving up (conflag.email_outbox status failed)`);
      else log.warn({ ...context, err: error, retryInMs: delay }, 'notification e-mail not sent; will retry');
      // No SMTP reply code: the connection itself failed (refused, timeout, TLS, DNS).
      return err.responseCode ? 'failed' : 'server down';
    }
  }

  /** A timeout cuts the conversation short without knowing whether the server took the message. */
  function mayHaveArrived(err: Error & { code?: string }): string {
    if (err.code !== 'ETIMEDOUT' && err.name !== 'AbortError' && err.name !== 'TimeoutError') return '';
    return ` (no answer within CONFLAG_SMTP_REPLY_TIMEOUT_SECONDS=${config.replyTimeoutMs / 1000} or the attempt's ` +
      `${config.sendDeadlineMs / 1000} s: if the server had the whole message it may deliver it anyway, and the retry is a second copy with the same Message-ID)`;
  }

  return {
    get state() {
      return state;
    },
    wake: loop.wake,
    runNow: loop.runNow,
    async stop() {
      stopping = true;
      await loop.stop();
      mailer?.close();
    },
  };
}
