-- Up Migration

-- Retry-aware notifications: the runner retries a failed run (CONFLAG_RETRY_LIMIT) and each attempt is its own
-- job_runs row, so a job with notify_on_failure = 'every_time' used to e-mail once per attempt. A run now says
-- whether a retry will follow (retry_planned, written by the runner in the same UPDATE that records the run's
-- status, which fires the e-mail trigger), and the trigger queues nothing for such a run: one failure e-mail per
-- tick or request, for the attempt after which no retry follows. 'first_consecutive' compares with the previous
-- run that was not retry_planned. See "Notifications" in docs/operations.md; the current text of the trigger
-- function is in sql/job_runs_queue_email.sql.

-- A new column with a constant default and a CHECK: no rewrite of conflag.job_runs, one scan to validate.
ALTER TABLE conflag.job_runs
  ADD COLUMN retry_planned boolean NOT NULL DEFAULT false
    CONSTRAINT job_runs_retry_planned_check CHECK (NOT retry_planned OR status IN ('failed', 'aborted'));
COMMENT ON COLUMN conflag.jobs.notify_on_failure IS 'E-mail when a run fails: ''off'' (default), ''every_time'' or ''first_consecutive'' (only the first of consecutive failures). A failed attempt the runner retries sends none: one e-mail per tick or request, for its last attempt.';
COMMENT ON COLUMN conflag.job_runs.retry_planned IS 'true when the run failed (or was aborted by a runner shutdown) and the runner will retry it — a later attempt answers the same tick/request, and only that one may send a failure e-mail. false for every other run, including the last attempt.';

-- AFTER UPDATE OF status trigger on conflag.job_runs, for a run leaving 'running' for succeeded, failed or
-- aborted: queues the job's notification e-mail in conflag.email_outbox when conflag.settings.email_enabled, the
-- job's notify_on_completion (succeeded) or notify_on_failure (failed, aborted) is not 'off' and notify_emails
-- lists an address. A failed or aborted run the runner will retry (retry_planned) queues nothing: a later
-- attempt answers the same tick or request, so only the attempt after which no retry follows notifies — one
-- failure e-mail per tick, not one per attempt. 'first_consecutive' notifies only when the job's previous
-- finished run (the latest earlier run that succeeded, failed or was aborted and was not retry_planned; skipped
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
  kind text := CASE NEW.status WHEN 'succeeded' THEN 'completion' WHEN 'failed' THEN 'failure' WHEN 'aborted' THEN 'failure' END;
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
       WHERE r.job_id = NEW.job_id AND r.id < NEW.id AND r.status IN ('succeeded', 'failed', 'aborted') AND NOT r.retry_planned
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

COMMENT ON FUNCTION conflag.job_runs_queue_email() IS 'Trigger function (AFTER UPDATE OF status on conflag.job_runs, run leaving running for succeeded/failed/aborted): queues the job''s notification e-mail in conflag.email_outbox per settings.email_enabled, notify_on_completion/notify_on_failure (every_time; first_consecutive = only when the previous finished run that was neither skipped nor retry_planned had the other outcome or there is none); a failed/aborted run with retry_planned (the runner retries it) queues nothing, so only a tick''s last attempt notifies and notify_emails; NOTIFY conflag_email_outbox.';

-- Down Migration

-- AFTER UPDATE OF status trigger on conflag.job_runs, for a run leaving 'running' for succeeded, failed or
-- aborted: queues the job's notification e-mail in conflag.email_outbox when conflag.settings.email_enabled, the
-- job's notify_on_completion (succeeded) or notify_on_failure (failed, aborted) is not 'off' and notify_emails
-- lists an address. 'first_consecutive' notifies only when the job's previous finished run (the latest earlier
-- run that succeeded, failed or was aborted; skipped runs do not count) had the other outcome, or there is none:
-- fail, fail, fail -> one e-mail; success, fail -> one; fail, success -> one. Retry attempts are runs too.
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
  kind text := CASE NEW.status WHEN 'succeeded' THEN 'completion' WHEN 'failed' THEN 'failure' WHEN 'aborted' THEN 'failure' END;
  enabled boolean;
  job conflag.jobs%ROWTYPE;
  policy text;
  recipients text[];
  previous text;
  message record;
  outbox_id bigint;
BEGIN
  IF kind IS NULL OR NEW.job_id IS NULL THEN
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
       WHERE r.job_id = NEW.job_id AND r.id < NEW.id AND r.status IN ('succeeded', 'failed', 'aborted')
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

COMMENT ON FUNCTION conflag.job_runs_queue_email() IS 'Trigger function (AFTER UPDATE OF status on conflag.job_runs, run leaving running for succeeded/failed/aborted): queues the job''s notification e-mail in conflag.email_outbox per settings.email_enabled, notify_on_completion/notify_on_failure (every_time; first_consecutive = only when the previous finished, non-skipped run had the other outcome or there is none) and notify_emails; NOTIFY conflag_email_outbox.';

ALTER TABLE conflag.job_runs DROP COLUMN retry_planned;
COMMENT ON COLUMN conflag.jobs.notify_on_failure IS 'E-mail when a run fails: ''off'' (default), ''every_time'' or ''first_consecutive'' (only the first of consecutive failures).';
