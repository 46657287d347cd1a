-- The crontab text a job's schedule stands for, without checking it: 'manual' -> NULL, the presets -> their
-- crontabs, anything else -> itself. The runners read schedules through this rather than conflag.schedule_cron, so
-- that a job saved under older rules (a schedule the current rules refuse) cannot fail a whole schedule sync: its
-- crontab reaches conflag.schedule_next_ticks, which reports why it cannot run, and the runner logs that.
CREATE OR REPLACE FUNCTION conflag.crontab_of(p_schedule text)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
  SELECT CASE p_schedule
           WHEN 'manual'  THEN NULL
           WHEN 'hourly'  THEN '0 * * * *'
           WHEN 'daily'   THEN '0 0 * * *'
           WHEN 'weekly'  THEN '0 0 * * 0'
           WHEN 'monthly' THEN '0 0 1 * *'
           ELSE p_schedule
         END
$$;
COMMENT ON FUNCTION conflag.crontab_of(text) IS 'Internal: the crontab a schedule stands for (manual -> NULL, presets expanded), not checked; conflag.schedule_cron() is the checked form.';
