// Shared set-up for the notification tests: a real SMTP server (smtp-server on 127.0.0.1, a free port) that
// keeps every message it accepts and can go down and come back on the same port; a pino logger whose lines
// the test can read; e-mail settings and a job that fails or succeeds on demand. Not a test file itself.
import { Writable } from 'node:stream';
import type pg from 'pg';
import { pino, type Logger } from 'pino';
import { SMTPServer } from 'smtp-server';
import { sendTimes, type EmailConfig } from '../../src/notify/emailConfig.ts';

export interface ReceivedMail {
  from: string;
  to: string[];
  headers: Record<string, string>;
  subject: string;
  body: string;
}

export interface TestSmtp {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** Answer DATA with this SMTP error (e.g. 451 or 550) instead of accepting, until set back to null. */
  failWith: { code: number; message: string } | null;
  /** Wait this long before answering each message (a slow server keeps several senders busy at once). */
  delayMs: number;
  /** Every SMTP connection: when it opened and closed (ms clock), and the Message-IDs it carried. */
  sessions: Array<{ id: string; openedAt: number; closedAt: number | null; messageIds: string[] }>;
  /** Close the server (connections are refused) … */
  down(): Promise<void>;
  /** … and listen on the same port again. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  let server: SMTPServer | undefined;
  let port = 0;
  const smtp: TestSmtp = {
    url: '',
    port: 0,
    received: [],
    failWith: null,
    delayMs: 0,
    sessions: [],
    async down() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async up() {
      server = new SMTPServer({
        disabledCommands: ['STARTTLS', 'AUTH'],
        authOptional: true,
        logger: false,
        onConnect(session, callback) {
          smtp.sessions.push({ id: session.id, openedAt: Date.now(), closedAt: null, messageIds: [] });
          callback();
        },
        onClose(session) {
          const seen = smtp.sessions.find((s) => s.id === session.id);
          if (seen) seen.closedAt = Date.now();
        },
        onData(stream, session, callback) {
          let raw = '';
          stream.setEncoding('utf8');
          stream.on('data', (chunk: string) => (raw += chunk));
          stream.on('end', async () => {
            const messageId = /^Message-ID:\s*(\S+)/im.exec(raw)?.[1];
            if (messageId) smtp.sessions.find((s) => s.id === session.id)?.messageIds.push(messageId);
            if (smtp.delayMs) await new Promise((r) => setTimeout(r, smtp.delayMs));
            if (smtp.failWith) {
              const error = new Error(smtp.failWith.message) as Error & { responseCode: number };
              error.responseCode = smtp.failWith.code;
              return callback(error);
            }
            smtp.received.push(parseMail(raw, session.envelope.mailFrom ? session.envelope.mailFrom.address : '', session.envelope.rcptTo.map((r) => r.address)));
            callback();
          });
        },
      });
      const s = server;
      await new Promise<void>((resolve, reject) => {
        s.server.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      port = (s.server.address() as { port: number }).port;
      smtp.port = port;
      smtp.url = `smtp://127.0.0.1:${port}`;
    },
    close: () => smtp.down(),
  };
  await smtp.up();
  return smtp;
}

/** Headers (unfolded, lower-case names) and the decoded text body of a simple text/plain message. */
function parseMail(raw: string, from: string, to: string[]): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.slice(split + 4);
  if (/quoted-printable/i.test(headers['content-transfer-encoding'] ?? '')) {
    body = Buffer.from(
      body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    ).toString('utf8');
  } else if (/base64/i.test(headers['content-transfer-encoding'] ?? '')) {
    body = Buffer.from(body, 'base64').toString('utf8');
  }
  return { from, to, headers, subject: decodeWords(headers.subject ?? ''), body: body.replace(/\r\n/g, '\n') };
}

/** RFC 2047 encoded words (=?UTF-8?Q?...?= / =?UTF-8?B?...?=); whitespace between two of them is dropped. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (__, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
    );
}

export interface CapturedLog {
  log: Logger;
  lines(): Array<Record<string, unknown> & { msg: string; level: number }>;
}

/** A pino logger writing JSON lines into memory (level info and up). */
export function captureLog(): CapturedLog {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const log = pino({ level: 'info' }, stream);
  return {
    log,
    lines: () => chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line)),
  };
}

/** Fast retries for tests; the SMTP URL is the test server's. */
export function emailConfig(smtpUrl: string | null, overrides: Partial<EmailConfig> = {}): EmailConfig {
  return { smtpUrl, pollIntervalMs: 500, retryDelayMs: 300, retryDelayMaxMs: 2_000, maxAttempts: 5, ...sendTimes(5_000, 10_000), ...overrides };
}

export async function enableEmail(db: pg.Pool, portalUrl: string | null = 'https://recordings.example.com/'): Promise<void> {
  await db.query(`UPDATE conflag.settings SET email_enabled = true, email_from = 'Conflag <conflag@example.com>', portal_url = $1`, [portalUrl]);
}

/** A test-only attribute that makes a run fail (division by zero) while a recording lasts exactly 4242 s. */
export async function installFailureSwitch(db: pg.Pool): Promise<{ fail(): Promise<void>; succeed(): Promise<void> }> {
  await db.query(`INSERT INTO conflag.attributes (name, type, expression, description)
                  VALUES ('test_ratio', 'number', '(100000 / (r.duration - 4242))', 'test only: fails for duration 4242')
                  ON CONFLICT DO NOTHING`);
  await db.query(`INSERT INTO conflag.recordings (tenant_id, call_id, started_at, duration)
                  SELECT 'default', 'switch-' || i, timestamptz '2026-01-01 08:00+00', 60 FROM generate_series(1, 3) i`);
  return {
    fail: async () => void (await db.query(`UPDATE conflag.recordings SET duration = 4242 WHERE call_id = 'switch-2'`)),
    succeed: async () => void (await db.query(`UPDATE conflag.recordings SET duration = 60 WHERE call_id = 'switch-2'`)),
  };
}

export const FAILABLE_CONDITION = { all: [{ fact: 'test_ratio', operator: 'greaterThan', value: 0 }] };

export interface NotifyJob {
  name: string;
  onCompletion?: 'off' | 'every_time' | 'first_consecutive';
  onFailure?: 'off' | 'every_time' | 'first_consecutive';
  emails?: string;
  condition?: unknown;
}

export async function insertNotifyJob(db: pg.Pool, job: NotifyJob): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO conflag.jobs (name, condition, action, notify_on_completion, notify_on_failure, notify_emails)
     VALUES ($1, $2::jsonb, 'set', $3, $4, $5) RETURNING id::text`,
    [job.name, JSON.stringify(job.condition ?? { all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }] }), job.onCompletion ?? 'off', job.onFailure ?? 'off', job.emails ?? 'ops@example.com'],
  );
  return rows[0].id;
}

export interface OutboxRow {
  id: string;
  run_id: string;
  kind: string;
  status: string;
  attempts: number;
  recipients: string[];
  subject: string;
  body: string;
  last_error: string | null;
  message_id: string | null;
}

export async function outboxOf(db: pg.Pool, jobId: string): Promise<OutboxRow[]> {
  const { rows } = await db.query<OutboxRow>(
    `SELECT id::text, run_id::text, kind, status, attempts, recipients, subject, body, last_error, message_id
       FROM conflag.email_outbox WHERE job_id = $1::bigint ORDER BY email_outbox.id`,
    [jobId],
  );
  return rows;
}
