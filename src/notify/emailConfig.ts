// How the runner sends notification e-mails, from environment variables (README "Configuration",
// docs/operations.md "Notifications"). Kept apart from RunnerConfig because the SMTP URL may carry a password
// and the runner logs its RunnerConfig at start; describeSmtp() gives a loggable form.
import { envNumber, type Env } from '../envValues.ts';

export interface EmailConfig {
  /** smtp://user:pass@host:port (STARTTLS when offered) or smtps://… (TLS from the start); null = not configured. */
  smtpUrl: string | null;
  /** Polling of conflag.email_outbox, in addition to LISTEN conflag_email_outbox. */
  pollIntervalMs: number;
  /** Delay after the first failed attempt; doubles with each further one, up to retryDelayMaxMs. */
  retryDelayMs: number;
  retryDelayMaxMs: number;
  /** Attempts per e-mail before it is marked 'failed'. */
  maxAttempts: number;
  /** Connecting to the server and its greeting: how soon a server that is down or hung is given up. */
  smtpTimeoutMs: number;
  /**
   * The longest the server may stay silent once the conversation is under way — above all before it answers the
   * message itself (RFC 5321 4.5.3.2 asks clients to wait 10 minutes for that answer). A server that takes the
   * message after the client gave up delivers it anyway, so this is not the quick timeout: the retry would be a
   * second copy.
   */
  replyTimeoutMs: number;
  /** Hard bound of one attempt, connection to last answer: the attempt is aborted (socket closed) then. */
  sendDeadlineMs: number;
  /**
   * How long a claimed e-mail stays with its runner before another runner may take it over: the send deadline plus
   * a minute, so an e-mail is never sent again while an attempt to send it may still be under way.
   */
  leaseMs: number;
}

export function readEmailConfig(env: Env = process.env): EmailConfig {
  const smtpTimeoutMs = envNumber(env, 'CONFLAG_SMTP_TIMEOUT_SECONDS', 30, 1, 600) * 1000;
  const replyTimeoutMs = envNumber(env, 'CONFLAG_SMTP_REPLY_TIMEOUT_SECONDS', 600, 1, 3600) * 1000;
  return {
    smtpUrl: smtpUrl(env),
    pollIntervalMs: envNumber(env, 'CONFLAG_EMAIL_POLL_SECONDS', 30, 0.1, 86_400) * 1000,
    retryDelayMs: envNumber(env, 'CONFLAG_EMAIL_RETRY_DELAY_SECONDS', 60, 0.1, 86_400) * 1000,
    retryDelayMaxMs: envNumber(env, 'CONFLAG_EMAIL_RETRY_DELAY_MAX_SECONDS', 3600, 1, 604_800) * 1000,
    maxAttempts: Math.round(envNumber(env, 'CONFLAG_EMAIL_MAX_ATTEMPTS', 10, 1, 1000)),
    ...sendTimes(smtpTimeoutMs, replyTimeoutMs),
  };
}

/**
 * One attempt's deadline (connection and greeting, then the conversation) and the claim's lease: a minute longer,
 * for the runner to record the outcome and for clocks that differ a little.
 */
export function sendTimes(smtpTimeoutMs: number, replyTimeoutMs: number): Pick<EmailConfig, 'smtpTimeoutMs' | 'replyTimeoutMs' | 'sendDeadlineMs' | 'leaseMs'> {
  const sendDeadlineMs = smtpTimeoutMs + replyTimeoutMs;
  return { smtpTimeoutMs, replyTimeoutMs, sendDeadlineMs, leaseMs: sendDeadlineMs + 60_000 };
}

/** The SMTP server without credentials, for logs: smtp://mail.example.com:587. */
export function describeSmtp(url: string | null): string {
  if (!url) return 'none';
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}

function smtpUrl(env: Env): string | null {
  const raw = env.CONFLAG_SMTP_URL;
  if (raw === undefined || raw.trim() === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw.trim());
  } catch {
    // The value may hold a password: never repeat it.
    throw new Error('CONFLAG_SMTP_URL is not a URL; use smtp://user:password@host:port (or smtps:// for TLS from the start, usually port 465).');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new Error(`CONFLAG_SMTP_URL must start with smtp:// or smtps://, not ${parsed.protocol}//.`);
  }
  if (!parsed.hostname) throw new Error('CONFLAG_SMTP_URL names no host; use smtp://user:password@host:port.');
  return raw.trim();
}
