-- E-mails whose last attempt's runner vanished (its lease is over) with no attempt left: marked 'failed', with
-- the reason added to last_error (src/notify/outboxQueries.ts). SECURITY DEFINER: the runner role may not UPDATE
-- conflag.email_outbox (migration 0010).
CREATE OR REPLACE FUNCTION conflag.fail_exhausted_emails(p_max_attempts integer, p_now timestamptz DEFAULT NULL)
  RETURNS SETOF bigint
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
  UPDATE conflag.email_outbox
     SET status = 'failed',
         last_error = concat_ws('; ', last_error, format('gave up after %s attempts (the last one did not report back)', attempts))
   WHERE status = 'pending' AND attempts >= p_max_attempts AND next_attempt_at <= coalesce(p_now, now())
  RETURNING id;
$function$;

COMMENT ON FUNCTION conflag.fail_exhausted_emails(integer, timestamptz) IS 'Internal (runner): marks failed every pending e-mail with p_max_attempts attempts whose last lease is over; returns their ids.';
REVOKE EXECUTE ON FUNCTION conflag.fail_exhausted_emails(integer, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.fail_exhausted_emails(integer, timestamptz) TO conflag_runner;
