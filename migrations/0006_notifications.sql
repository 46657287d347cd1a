-- Up Migration

-- Job notification e-mails (issue 3's notify_on_completion / notify_on_failure / notify_emails and the system
-- settings portal_url, email_enabled, email_from). A transactional outbox: when a run ends, a trigger on
-- conflag.job_runs writes the finished e-mail into conflag.email_outbox in the same transaction that records the
-- run's status, and NOTIFYs conflag_email_outbox; the runners send the rows (src/notify/), each claimed by one
-- runner only. So an e-mail exists exactly when its run's outcome was committed, and is sent once.
-- See "Notifications" in docs/operations.md. The current text of each routine is in sql/<name>.sql.

CREATE TABLE conflag.email_outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id          bigint NOT NULL REFERENCES conflag.job_runs (id) ON DELETE CASCADE,
  job_id          bigint REFERENCES conflag.jobs (id) ON DELETE SET NULL,
  kind            text NOT NULL CHECK (kind IN ('completion', 'failure')),
  recipients      text[] NOT NULL CHECK (cardinality(recipients) > 0),
  subject         text NOT NULL,
  body            text NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz,
  sent_by         text,
  message_id      text,
  last_error      text,
  CONSTRAINT email_outbox_one_per_run UNIQUE (run_id),
  CONSTRAINT email_outbox_sent_check CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
-- The senders' claim query: due pending rows in order.
CREATE INDEX email_outbox_due_idx ON conflag.email_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX email_outbox_job_id_idx ON conflag.email_outbox (job_id, id);

COMMENT ON TABLE conflag.email_outbox IS 'Job notification e-mails: one row per run that ended in a notified outcome (see notify_on_completion/notify_on_failure), written by a trigger on conflag.job_runs in the run''s own transaction and sent by the runners (CONFLAG_SMTP_URL). Rows go with their run when history is pruned. See "Notifications" in docs/operations.md.';
COMMENT ON COLUMN conflag.email_outbox.id IS 'E-mail id (identity).';
COMMENT ON COLUMN conflag.email_outbox.run_id IS 'The run the e-mail is about (conflag.job_runs.id); one e-mail per run at most.';
COMMENT ON COLUMN conflag.email_outbox.job_id IS 'The job (conflag.jobs.id); NULL once the job has been deleted (a pending e-mail is still sent).';
COMMENT ON COLUMN conflag.email_outbox.kind IS 'completion (the run succeeded; notify_on_completion) or failure (the run failed or was aborted; notify_on_failure).';
COMMENT ON COLUMN conflag.email_outbox.recipients IS 'Addresses from the job''s notify_emails when the run ended (trimmed, duplicates ignoring case removed).';
COMMENT ON COLUMN conflag.email_outbox.subject IS 'Subject line, composed by conflag.compose_run_email() when the run ended.';
COMMENT ON COLUMN conflag.email_outbox.body IS 'Plain-text body, composed by conflag.compose_run_email() when the run ended (links built from conflag.settings.portal_url).';
COMMENT ON COLUMN conflag.email_outbox.status IS 'pending (waiting to be sent, or to be retried: see next_attempt_at and last_error); sent; failed (gave up after the runner''s attempt limit, last_error says why).';
COMMENT ON COLUMN conflag.email_outbox.attempts IS 'Send attempts so far (counted when a runner claims the row, so a runner that dies while sending also counts).';
COMMENT ON COLUMN conflag.email_outbox.next_attempt_at IS 'When a runner may try to send it (next). While a runner is sending, a lease: another runner takes it over only after this.';
COMMENT ON COLUMN conflag.email_outbox.created_at IS 'When the run ended and the e-mail was queued.';
COMMENT ON COLUMN conflag.email_outbox.sent_at IS 'When the SMTP server accepted it; NULL unless status = sent.';
COMMENT ON COLUMN conflag.email_outbox.sent_by IS 'The runner (host/pid) that sent it, or last tried to.';
COMMENT ON COLUMN conflag.email_outbox.message_id IS 'The Message-ID header of the sent e-mail (to find it in mail server logs).';
COMMENT ON COLUMN conflag.email_outbox.last_error IS 'Why the last failed attempt failed (the SMTP server''s answer, or the connection error); kept when a later attempt succeeds.';

-- The addresses of a jobs.notify_emails list: split at commas, trimmed, empty entries dropped, and duplicates
-- (ignoring case) dropped keeping the first spelling, in the order given. The jobs trigger has validated them.
CREATE OR REPLACE FUNCTION conflag.email_recipients(p_list text)
  RETURNS text[]
  LANGUAGE sql
  IMMUTABLE
AS $function$
  SELECT coalesce(array_agg(address ORDER BY position), '{}')
    FROM (SELECT min(position) AS position, (array_agg(address ORDER BY position))[1] AS address
            FROM (SELECT btrim(item, E' \t\r\n') AS address, position
                    FROM unnest(string_to_array(p_list, ',')) WITH ORDINALITY AS u(item, position)) AS items
           WHERE address <> ''
           GROUP BY lower(address)) AS distinct_addresses
$function$;

COMMENT ON FUNCTION conflag.email_recipients(text) IS 'The addresses of a notify_emails list (comma-separated): trimmed, empty entries and duplicates ignoring case removed, in the order given.';

-- The notification e-mail about a finished run: subject and plain-text body with the job, the outcome, the
-- run's times (in the run's time zone), counts and error, and links under conflag.settings.portal_url
-- (<portal_url>/jobs/<job id>). Without a portal_url the body says how to set one. Also lets a DBA preview
-- the e-mail of any run: SELECT * FROM conflag.compose_run_email(<run id>).
CREATE OR REPLACE FUNCTION conflag.compose_run_email(p_run_id bigint, OUT subject text, OUT body text)
  RETURNS record
  LANGUAGE plpgsql
  STABLE
AS $function$
DECLARE
  run conflag.job_runs%ROWTYPE;
  portal text;
  outcome text;
  job_name text;
BEGIN
  SELECT * INTO run FROM conflag.job_runs r WHERE r.id = p_run_id;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  SELECT rtrim(s.portal_url, '/') INTO portal FROM conflag.settings s;
  outcome := CASE run.status
               WHEN 'succeeded' THEN 'succeeded'
               WHEN 'failed' THEN 'failed'
               WHEN 'aborted' THEN 'was aborted'
               WHEN 'skipped' THEN 'was skipped'
               ELSE 'is running'
             END;
  -- A subject is one line: no control characters from the job name, and a bounded length.
  job_name := regexp_replace(run.job_name, '[[:cntrl:]]+', ' ', 'g');
  subject := format('conflag: job "%s" %s', left(job_name, 120), outcome)
             || CASE WHEN run.status = 'succeeded' THEN format(', %s recording(s) changed', run.changed) ELSE '' END
             || format(' (run %s)', run.id);
  body := concat_ws(E'\n',
    format('Job "%s"%s %s.', run.job_name, CASE WHEN run.job_id IS NULL THEN ' (since deleted)' ELSE format(' (id %s)', run.job_id) END, outcome),
    '',
    format('Run:       %s (%s, attempt %s)', run.id, run.trigger, run.attempt),
    format('Status:    %s', run.status),
    format('Action:    %s the confidential flag (%s mode)', run.action, run.mode),
    format('Started:   %s %s', to_char(run.started_at AT TIME ZONE run.timezone, 'YYYY-MM-DD HH24:MI:SS'), run.timezone),
    CASE WHEN run.finished_at IS NOT NULL THEN
      format('Finished:  %s %s (after %s)', to_char(run.finished_at AT TIME ZONE run.timezone, 'YYYY-MM-DD HH24:MI:SS'), run.timezone,
             date_trunc('second', run.finished_at - run.started_at))
    END,
    format('Matched:   %s recording(s)', run.matched),
    format('Changed:   %s recording(s)', run.changed),
    CASE WHEN run.mode = 'incremental' THEN format('Skipped:   %s recording(s) already processed by earlier runs', run.skipped) END,
    CASE WHEN run.error IS NOT NULL THEN format('Error:     %s', run.error) END,
    '',
    CASE
      WHEN portal IS NULL THEN
        'No link to the job: conflag.settings.portal_url is not set (UPDATE conflag.settings SET portal_url = ''https://...'').'
      WHEN run.job_id IS NULL THEN
        format('Jobs: %s/jobs', portal)
      ELSE
        format('Job details: %s/jobs/%s (run %s)', portal, run.job_id, run.id)
    END,
    '',
    format('History: SELECT * FROM conflag.job_runs WHERE id = %s;', run.id),
    '-- ',
    'Sent by conflag because of this job''s notify_on_completion / notify_on_failure settings (notify_emails).');
END;
$function$;

COMMENT ON FUNCTION conflag.compose_run_email(bigint) IS 'The notification e-mail (subject, plain-text body) about a run: job, outcome, times in the run''s time zone, counts, error, and a link <portal_url>/jobs/<job id> from conflag.settings. Used by the job_runs trigger; SELECT * FROM conflag.compose_run_email(run_id) previews it.';

-- Whether a retry will follow a failed run: the runner retries failed runs (CONFLAG_RETRY_LIMIT) and each
-- attempt is its own job_runs row; retry_planned is written by the runner in the same UPDATE that records the
-- run's status (which fires the e-mail trigger), so only a tick's last attempt sends a failure e-mail.
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

CREATE TRIGGER job_runs_queue_email
  AFTER UPDATE OF status ON conflag.job_runs
  FOR EACH ROW
  WHEN (OLD.status = 'running' AND NEW.status IN ('succeeded', 'failed', 'aborted'))
  EXECUTE FUNCTION conflag.job_runs_queue_email();
COMMENT ON TRIGGER job_runs_queue_email ON conflag.job_runs IS 'Queues the notification e-mail of a run that ended (conflag.email_outbox).';

-- Runners claim, send and settle e-mails; admins and reporting read what was sent. No role may INSERT: rows
-- come only from the trigger (SECURITY DEFINER).
GRANT SELECT, UPDATE (status, attempts, next_attempt_at, sent_at, sent_by, message_id, last_error) ON conflag.email_outbox TO conflag_runner;
GRANT SELECT ON conflag.email_outbox TO conflag_admin, conflag_reporting;
REVOKE EXECUTE ON FUNCTION conflag.job_runs_queue_email() FROM PUBLIC;

-- Down Migration

DROP TRIGGER job_runs_queue_email ON conflag.job_runs;
DROP FUNCTION conflag.job_runs_queue_email();
DROP FUNCTION conflag.compose_run_email(bigint);
DROP FUNCTION conflag.email_recipients(text);
DROP TABLE conflag.email_outbox;
ALTER TABLE conflag.job_runs DROP COLUMN retry_planned;
COMMENT ON COLUMN conflag.jobs.notify_on_failure IS 'E-mail when a run fails: ''off'' (default), ''every_time'' or ''first_consecutive'' (only the first of consecutive failures).';
