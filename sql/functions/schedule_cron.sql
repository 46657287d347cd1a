-- The crontab a job's schedule stands for, checked: presets map to fixed crontabs (conflag.crontab_of), 'manual' to
-- NULL (never scheduled), and a 5-field crontab to itself once conflag.crontab_parse has accepted it (Vixie cron's
-- grammar and day rule, and it must be able to fire). Raises CF013 for anything else, so the jobs trigger and the
-- runner's ticks (conflag.schedule_ticks, through the same crontab_parse) share one definition of a valid
-- schedule.
CREATE OR REPLACE FUNCTION conflag.schedule_cron(p_schedule text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
  IF p_schedule IS DISTINCT FROM 'manual' THEN
    PERFORM conflag.crontab_parse(conflag.crontab_of(p_schedule));
  END IF;
  RETURN conflag.crontab_of(p_schedule);
END
$$;
COMMENT ON FUNCTION conflag.schedule_cron(text) IS 'The crontab of a job schedule: manual -> NULL, hourly -> 0 * * * *, daily -> 0 0 * * *, weekly -> 0 0 * * 0 (Sunday), monthly -> 0 0 1 * *, a 5-field crontab -> itself. Raises CF013 for anything else (conflag.crontab_parse). Times are in the job''s timezone.';
