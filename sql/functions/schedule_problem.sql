-- Why a job's schedule cannot run as saved (NULL when it can): a schedule the current rules refuse — a job saved
-- before a rule was added (issue 11: `5/10`, `0 0 31 2 *`) — or a time zone PostgreSQL cannot use (a server
-- TimeZone that is no zone). The runner does not schedule such a job and logs why; conflag.job_status shows it.
-- (Not conflag.timezone_problem: that scans pg_timezone_names, about 0.1 s a call, and its refusals are names
-- PostgreSQL can still schedule with.)
CREATE OR REPLACE FUNCTION conflag.schedule_problem(p_schedule text, p_timezone text)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  IF conflag.schedule_cron(p_schedule) IS NOT NULL THEN
    PERFORM now() AT TIME ZONE conflag.job_timezone(p_timezone);
  END IF;
  RETURN NULL;
EXCEPTION WHEN SQLSTATE 'CF013' OR invalid_parameter_value THEN
  RETURN SQLERRM;
END
$$;
COMMENT ON FUNCTION conflag.schedule_problem(text, text) IS 'Why a job with this schedule and timezone column cannot be scheduled under the current rules (the CF013 message, or PostgreSQL''s for an unusable zone), or NULL when it can.';
