// The runner's statements on conflag.email_outbox: claim one due e-mail,
// settle it as sent or as a failed attempt, give up on e-mails out of attempts, and find when the next one is due.
//
// Claiming takes a lease instead of holding a row lock during the SMTP conversation: the claim (FOR UPDATE
// SKIP LOCKED, so two runners never take the same row) commits at once with attempts + 1 and next_attempt_at
// pushed out by the lease, and no transaction stays open while a slow mail server answers. A runner that dies
// mid-send leaves the row to be taken over when the lease ends (that attempt counted). Settling checks the
// attempt number, so a runner whose lease was taken over cannot overwrite the newer attempt's outcome. The runner
// role may not UPDATE the outbox (migration 0010): each change goes through its function in sql/functions/
// (claim_due_email, settle_email, fail_exhausted_emails), which allows only these transitions.
import type pg from 'pg';

export interface ClaimedEmail {
  id: string;
  runId: string;
  jobId: string | null;
  kind: 'completion' | 'failure';
  recipients: string[];
  subject: string;
  body: string;
  /** This attempt's number (1 for the first). */
  attempt: number;
}

export async function claimDueEmail(
  db: pg.Pool | pg.ClientBase,
  options: { leaseMs: number; maxAttempts: number; runner: string; now?: Date },
): Promise<ClaimedEmail | null> {
  const { rows } = await db.query<ClaimedEmail>(
    `SELECT id::text AS id, run_id::text AS "runId", job_id::text AS "jobId", kind, recipients, subject, body, attempts AS attempt
       FROM conflag.claim_due_email($1::timestamptz, $2::float8, $3::integer, $4)`,
    [options.now ?? null, options.leaseMs, options.maxAttempts, options.runner],
  );
  return rows[0] ?? null;
}

/** Returns false when the row was no longer this attempt's (its lease ran out and another runner took it). */
export async function markEmailSent(db: pg.Pool | pg.ClientBase, email: ClaimedEmail, messageId: string, now?: Date): Promise<boolean> {
  return settleEmail(db, [email.id, email.attempt, messageId, null, null, now ?? null]);
}

/** A failed attempt: retried after retryDelayMs (database clock), or marked 'failed' when it is null (out of attempts). */
export async function markEmailAttemptFailed(
  db: pg.Pool | pg.ClientBase,
  email: ClaimedEmail,
  error: string,
  retryDelayMs: number | null,
): Promise<boolean> {
  return settleEmail(db, [email.id, email.attempt, null, error, retryDelayMs, null]);
}

async function settleEmail(db: pg.Pool | pg.ClientBase, values: unknown[]): Promise<boolean> {
  const { rows } = await db.query<{ settled: boolean }>(
    `SELECT conflag.settle_email($1::bigint, $2::integer, $3, $4, $5::float8, $6::timestamptz) AS settled`,
    values,
  );
  return rows[0].settled;
}

/** E-mails whose last attempt's runner vanished (lease over) with no attempt left: marked 'failed'. */
export async function failExhaustedEmails(db: pg.Pool | pg.ClientBase, maxAttempts: number, now?: Date): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id::text AS id FROM conflag.fail_exhausted_emails($1::integer, $2::timestamptz) AS id`,
    [maxAttempts, now ?? null],
  );
  return rows.map((r) => r.id);
}

/** When the next pending e-mail is due (possibly in the past), or null when none is pending. */
export async function nextEmailDueAt(db: pg.Pool | pg.ClientBase): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date | null }>(`SELECT min(next_attempt_at) AS at FROM conflag.email_outbox WHERE status = 'pending'`);
  return rows[0]?.at ?? null;
}

export interface EmailSettings {
  emailEnabled: boolean;
  emailFrom: string | null;
  portalUrl: string | null;
}

export async function readEmailSettings(db: pg.Pool | pg.ClientBase): Promise<EmailSettings> {
  const { rows } = await db.query<EmailSettings>(
    `SELECT email_enabled AS "emailEnabled", email_from AS "emailFrom", portal_url AS "portalUrl" FROM conflag.settings`,
  );
  return rows[0] ?? { emailEnabled: false, emailFrom: null, portalUrl: null };
}
