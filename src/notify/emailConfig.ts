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
  /** Connection, greeting and idle-socket timeout of one SMTP conversation. */
  smtpTimeoutMs: number;
  /** How long a claimed e-mail stays with its runner (must outlast one send) before another may take it over. */
  leaseMs: number;
}

export function readEmailConfig(env: Env = process.env): EmailConfig {
  const smtpTimeoutMs = envNumber(env, 'CONFLAG_SMTP_TIMEOUT_SECONDS', 30, 1, 600) * 1000;
  return {
    smtpUrl: smtpUrl(env),
    pollIntervalMs: envNumber(env, 'CONFLAG_EMAIL_POLL_SECONDS', 30, 0.1, 86_400) * 1000,
    retryDelayMs: envNumber(env, 'CONFLAG_EMAIL_RETRY_DELAY_SECONDS', 60, 0.1, 86_400) * 1000,
    retryDelayMaxMs: envNumber(env, 'CONFLAG_EMAIL_RETRY_DELAY_MAX_SECONDS', 3600, 1, 604_800) * 1000,
    maxAttempts: Math.round(envNumber(env, 'CONFLAG_EMAIL_MAX_ATTEMPTS', 10, 1, 1000)),
    smtpTimeoutMs,
    // Three timeouts (connect, greeting, the conversation) plus room: a claimed e-mail is never taken over while
    // its first runner may still be sending it.
    leaseMs: 4 * smtpTimeoutMs + 60_000,
  };
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
