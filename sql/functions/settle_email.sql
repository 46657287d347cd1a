-- The outcome of one claimed attempt of an e-mail (src/notify/outboxQueries.ts): sent (p_message_id), or failed
-- (p_error) and tried again after p_retry_delay_ms — or, when that is NULL, failed for good. Only the attempt that
-- holds the row (attempts = p_attempt, still pending) settles it, so a runner whose lease was taken over cannot
-- overwrite the newer attempt's outcome; pending -> sent or failed, once. Returns whether it settled the row.
-- SECURITY DEFINER: the runner role may not UPDATE conflag.email_outbox (migration 0010).
CREATE OR REPLACE FUNCTION conflag.settle_email(
  p_id bigint, p_attempt integer, p_message_id text, p_error text, p_retry_delay_ms double precision, p_now timestamptz DEFAULT NULL)
  RETURNS boolean
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
  IF p_message_id IS NOT NULL THEN
    UPDATE conflag.email_outbox
       SET status = 'sent', sent_at = coalesce(p_now, now()), message_id = p_message_id
     WHERE id = p_id AND attempts = p_attempt AND status = 'pending';
  ELSE
    UPDATE conflag.email_outbox
       SET last_error = left(p_error, 2000),
           status = CASE WHEN p_retry_delay_ms IS NULL THEN 'failed' ELSE 'pending' END,
           next_attempt_at = CASE WHEN p_retry_delay_ms IS NULL THEN next_attempt_at ELSE now() + make_interval(secs => p_retry_delay_ms / 1000) END
     WHERE id = p_id AND attempts = p_attempt AND status = 'pending';
  END IF;
  RETURN FOUND;
END;
$function$;

COMMENT ON FUNCTION conflag.settle_email(bigint, integer, text, text, double precision, timestamptz) IS 'Internal (runner): settles attempt p_attempt of e-mail p_id: sent (p_message_id given), or failed with p_error and retried after p_retry_delay_ms (NULL: failed for good). Returns false when the row was no longer that attempt''s.';
REVOKE EXECUTE ON FUNCTION conflag.settle_email(bigint, integer, text, text, double precision, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.settle_email(bigint, integer, text, text, double precision, timestamptz) TO conflag_runner;
