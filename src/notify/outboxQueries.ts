// The runner's statements on conflag.email_outbox: claim one due e-mail,
// settle it as sent or as a failed attempt, give up on e-mails out of attempts, and find when the next one is due.
//
// Claiming takes a lease instead of holding a row lock during the SMTP conversation: the claim (FOR UPDATE
// SKIP LOCKED, so two runners never take the same row) commits at once with attempts + 1 and next_attempt_at
// pushed out by the lease, and no transaction stays open while a slow mail server answers. A runner that dies
// mid-send leaves the row to be taken over when the lease ends (that attempt counted). Settling checks the
// attempt number, so a runner whose lease was taken over cannot overwrite the newer attempt's outcome.
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
    `UPDATE conflag.email_outbox o
        SET attempts = o.attempts + 1,
            next_attempt_at = coalesce($1::timestamptz, now()) + make_interval(secs => $2::float8 / 1000),
            sent_by = $4
      WHERE o.id = (SELECT d.id FROM conflag.email_outbox d
                     WHERE d.status = 'pending' AND d.next_attempt_at <= coalesce($1::timestamptz, now()) AND d.attempts < $3
                     ORDER BY d.next_attempt_at, d.id
                     LIMIT 1
                       FOR UPDATE SKIP LOCKED)
      RETURNING o.id::text AS id, o.run_id::text AS "runId", o.job_id::text AS "jobId", o.kind, o.recipients, o.subject, o.body,
                o.attempts AS attempt`,
    [options.now ?? null, options.leaseMs, options.maxAttempts, options.runner],
  );
  return rows[0] ?? null;
}

/** Returns false when the row was no longer this attempt's (its lease ran out and another runner took it). */
export async function markEmailSent(db: pg.Pool | pg.ClientBase, email: ClaimedEmail, messageId: string, now?: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE conflag.email_outbox
        SET status = 'sent', sent_at = coalesce($3::timestamptz, now()), message_id = $4
      WHERE id = $1::bigint AND attempts = $2 AND status = 'pending'`,
    [email.id, email.attempt, now ?? null, messageId],
  );
  return rowCount === 1;
}

/** A failed attempt: retried after retryDelayMs (database clock), or marked 'failed' when it is null (out of attempts). */
export async function markEmailAttemptFailed(
  db: pg.Pool | pg.ClientBase,
  email: ClaimedEmail,
  error: string,
  retryDelayMs: number | null,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE conflag.email_outbox
        SET last_error = left($3, 2000),
            status = CASE WHEN $4::float8 IS NULL THEN 'failed' ELSE 'pending' END,
            next_attempt_at = CASE WHEN $4::float8 IS NULL THEN next_attempt_at ELSE now() + make_interval(secs => $4::float8 / 1000) END
      WHERE id = $1::bigint AND attempts = $2 AND status = 'pending'`,
    [email.id, email.attempt, error, retryDelayMs],
  );
  return rowCount === 1;
}

/** E-mails whose last attempt's runner vanished (lease over) with no attempt left: marked 'failed'. */
export async function failExhaustedEmails(db: pg.Pool | pg.ClientBase, maxAttempts: number, now?: Date): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE conflag.email_outbox
        SET status = 'failed',
            last_error = concat_ws('; ', last_error, format('gave up after %s attempts (the last one did not report back)', attempts))
      WHERE status = 'pending' AND attempts >= $1 AND next_attempt_at <= coalesce($2::timestamptz, now())
      RETURNING id::text`,
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
