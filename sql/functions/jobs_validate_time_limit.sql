-- BEFORE INSERT OR UPDATE OF execution_time_limit_minutes trigger on conflag.jobs (it fires after
-- conflag.jobs_validate, which checks the general range): refuses a limit longer than a run can last. The runner's
-- queue (pg-boss) holds a run for at most 24 hours and gives up on it then; the last 5 minutes are the run's, to
-- stop at its own limit and record its end. A longer limit would be cut silently, so it is refused here with
-- what to do instead. NULL (no limit) means that longest time: 1435 minutes.
CREATE OR REPLACE FUNCTION conflag.jobs_validate_time_limit()
  RETURNS trigger
  LANGUAGE plpgsql
AS $function$
BEGIN
  IF NEW.execution_time_limit_minutes > 1435 THEN
    RAISE EXCEPTION 'jobs.execution_time_limit_minutes: % is longer than a run can last; use at most 1435 (23 hours 55 minutes), or NULL for that longest time',
      NEW.execution_time_limit_minutes
      USING ERRCODE = 'CF015',
            HINT = 'The run queue holds a run for at most 24 hours; the last 5 minutes let the run stop at its limit and record its end. Split longer work with access_scope or a narrower condition.';
  END IF;
  RETURN NEW;
END;
$function$;

COMMENT ON FUNCTION conflag.jobs_validate_time_limit() IS 'Trigger (BEFORE INSERT OR UPDATE OF execution_time_limit_minutes on conflag.jobs): refuses a limit above 1435 minutes, the longest a run can last (CF015). See docs/errors.md.';
