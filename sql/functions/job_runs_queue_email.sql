-- AFTER UPDATE OF status trigger on conflag.job_runs, for a run leaving 'running' for succeeded, failed, aborted
-- or interrupted: queues the job's notification e-mail in conflag.email_outbox when conflag.settings.email_enabled, the
-- job's notify_on_completion (succeeded) or notify_on_failure (failed, aborted, interrupted) is not 'off' and notify_emails
-- lists an address. A failed, interrupted or aborted run the runner will retry (retry_planned) queues nothing: a
-- later attempt answers the same tick or request, so only the attempt after which no retry follows notifies — one
-- failure e-mail per tick or request, whatever ended its attempts (an error, the keep-alive, a takeover after a
-- crash, the time limit), not one per attempt. 'first_consecutive' notifies only when the job's previous
-- finished run (the latest earlier run that succeeded, failed, was aborted or interrupted and was not retry_planned; skipped
-- runs do not count either) had the other outcome, or there is none: fail, fail, fail -> one e-mail; success,
-- fail -> one; fail, success -> one; success, then a tick whose attempts fail, fail, fail -> one failure e-mail.
-- Same transaction as the run's status, so the e-mail exists exactly when the outcome was committed; one per
-- run (unique run_id). A problem here must never keep a run from being recorded: it becomes a WARNING.
-- SECURITY DEFINER: the runner role needs no INSERT on the outbox, so its rows only ever come from here.
CREATE OR REPLACE FUNCTION conflag.job_runs_queue_email()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
  kind text := CASE NEW.status WHEN 'succeeded' THEN 'completion' WHEN 'failed' THEN 'failure' WHEN 'aborted' THEN 'failure'
                              WHEN 'interrupted' THEN 'failure' END;
  enabled boolean;
  job conflag.jobs%ROWTYPE;
  policy text;
  recipients text[];
  previous text;
  message record;
  outbox_id bigint;
BEGIN
  IF kind IS NULL OR NEW.job_id IS NULL OR (kind = 'failure' AND NEW.retry_planned) THEN
    RETURN NULL;
  END IF;
  BEGIN
    SELECT s.email_enabled INTO enabled FROM conflag.settings s;
    IF enabled IS NOT TRUE THEN
      RETURN NULL;
    END IF;
    SELECT * INTO job FROM conflag.jobs j WHERE j.id = NEW.job_id;
    IF NOT FOUND THEN
      RETURN NULL;
    END IF;
    policy := CASE kind WHEN 'completion' THEN job.notify_on_completion ELSE job.notify_on_failure END;
    recipients := conflag.email_recipients(job.notify_emails);
    IF policy IS NULL OR policy = 'off' OR coalesce(cardinality(recipients), 0) = 0 THEN
      RETURN NULL;
    END IF;
    IF policy = 'first_consecutive' THEN
      SELECT r.status INTO previous
        FROM conflag.job_runs r
       WHERE r.job_id = NEW.job_id AND r.id < NEW.id AND r.status IN ('succeeded', 'failed', 'aborted', 'interrupted') AND NOT r.retry_planned
       ORDER BY r.id DESC
       LIMIT 1;
      IF previous IS NOT NULL AND (previous = 'succeeded') = (NEW.status = 'succeeded') THEN
        RETURN NULL;
      END IF;
    END IF;
    SELECT * INTO message FROM conflag.compose_run_email(NEW.id);
    INSERT INTO conflag.email_outbox (run_id, job_id, kind, recipients, subject, body)
    VALUES (NEW.id, NEW.job_id, kind, recipients, message.subject, message.body)
    ON CONFLICT (run_id) DO NOTHING
    RETURNING id INTO outbox_id;
    IF outbox_id IS NOT NULL THEN
      PERFORM pg_notify('conflag_email_outbox', outbox_id::text);
    END IF;
  EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'conflag: the notification e-mail for run % could not be queued: % (SQLSTATE %)', NEW.id, SQLERRM, SQLSTATE;
  END;
  RETURN NULL;
END;
$function$;

COMMENT ON FUNCTION conflag.job_runs_queue_email() IS 'Trigger function (AFTER UPDATE OF status on conflag.job_runs, run leaving running for succeeded/failed/aborted/interrupted): queues the job''s notification e-mail in conflag.email_outbox per settings.email_enabled, notify_on_completion/notify_on_failure (every_time; first_consecutive = only when the previous finished run that was neither skipped nor retry_planned had the other outcome or there is none); a failed/aborted/interrupted run with retry_planned (the runner retries it) queues nothing, so only a tick''s or request''s last attempt notifies and notify_emails; NOTIFY conflag_email_outbox.';
REVOKE EXECUTE ON FUNCTION conflag.job_runs_queue_email() FROM PUBLIC;
