-- The runner's claim of one due notification e-mail (src/notify/outboxQueries.ts): a lease instead of a row lock
-- held during the SMTP conversation. FOR UPDATE SKIP LOCKED, so two runners never take the same row; attempts + 1
-- and next_attempt_at pushed out by the lease, committed at once. Only a pending row with attempts left is
-- claimed; the attempt counter only grows. p_now: the reference time (tests), NULL = now(). SECURITY DEFINER:
-- the runner role may not UPDATE conflag.email_outbox (migration 0010); the outbox changes only through here and
-- its siblings settle_email and fail_exhausted_emails.
CREATE OR REPLACE FUNCTION conflag.claim_due_email(p_now timestamptz, p_lease_ms double precision, p_max_attempts integer, p_runner text)
  RETURNS TABLE (id bigint, run_id bigint, job_id bigint, kind text, recipients text[], subject text, body text, attempts integer)
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
  UPDATE conflag.email_outbox o
     SET attempts = o.attempts + 1,
         next_attempt_at = coalesce(p_now, now()) + make_interval(secs => p_lease_ms / 1000),
         sent_by = p_runner
   WHERE o.id = (SELECT d.id FROM conflag.email_outbox d
                  WHERE d.status = 'pending' AND d.next_attempt_at <= coalesce(p_now, now()) AND d.attempts < p_max_attempts
                  ORDER BY d.next_attempt_at, d.id
                  LIMIT 1
                    FOR UPDATE SKIP LOCKED)
  RETURNING o.id, o.run_id, o.job_id, o.kind, o.recipients, o.subject, o.body, o.attempts;
$function$;

COMMENT ON FUNCTION conflag.claim_due_email(timestamptz, double precision, integer, text) IS 'Internal (runner): claims the next due pending e-mail of conflag.email_outbox for p_lease_ms (attempts + 1, next_attempt_at = now + lease, sent_by = p_runner); no row when none is due.';
REVOKE EXECUTE ON FUNCTION conflag.claim_due_email(timestamptz, double precision, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.claim_due_email(timestamptz, double precision, integer, text) TO conflag_runner;
