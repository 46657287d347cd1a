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
               WHEN 'interrupted' THEN 'was interrupted'
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
