-- The crontab a job's schedule stands for: presets map to fixed crontabs, 'manual' to NULL (never scheduled),
-- and a 5-field crontab to itself after checking every field. Raises CF013 for anything else, so the jobs
-- trigger and the runner share one definition of a valid schedule.
CREATE OR REPLACE FUNCTION conflag.schedule_cron(p_schedule text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  c_usage  constant text := 'a crontab needs 5 fields (minute hour day-of-month month day-of-week); or use manual, hourly, daily, weekly, monthly';
  c_fields constant text[] := ARRAY['minute', 'hour', 'day-of-month', 'month', 'day-of-week'];
  c_min    constant integer[] := ARRAY[0, 0, 1, 1, 0];
  c_max    constant integer[] := ARRAY[59, 23, 31, 12, 7];
  v_fields text[];
  v_problem text;
BEGIN
  CASE p_schedule
    WHEN 'manual'  THEN RETURN NULL;
    WHEN 'hourly'  THEN RETURN '0 * * * *';
    WHEN 'daily'   THEN RETURN '0 0 * * *';
    WHEN 'weekly'  THEN RETURN '0 0 * * 0';
    WHEN 'monthly' THEN RETURN '0 0 1 * *';
    ELSE NULL;
  END CASE;
  IF p_schedule IS NULL THEN
    RAISE EXCEPTION 'jobs.schedule: NULL is not valid: %', c_usage
      USING ERRCODE = 'CF013', HINT = 'See "Schedules" in docs/dba.md.';
  END IF;
  IF length(p_schedule) > 200 THEN
    RAISE EXCEPTION 'jobs.schedule: % is not valid: it is % characters long (at most 200); %', conflag.json_for_message(to_jsonb(p_schedule)), length(p_schedule), c_usage
      USING ERRCODE = 'CF013', HINT = 'See "Schedules" in docs/dba.md.';
  END IF;
  v_fields := regexp_split_to_array(btrim(p_schedule, E' \t\r\n'), E'[ \t\r\n]+');
  IF btrim(p_schedule, E' \t\r\n') = '' OR cardinality(v_fields) <> 5 THEN
    RAISE EXCEPTION 'jobs.schedule: % is not valid: %', to_jsonb(p_schedule),
      CASE
        WHEN cardinality(v_fields) = 6 AND btrim(p_schedule, E' \t\r\n') <> ''
          THEN 'it has 6 fields, but conflag schedules have no seconds field: ' || c_usage
        WHEN p_schedule ~* '^\s*@?(manual|hourly|daily|weekly|monthly)\s*$'
          THEN 'presets are written in lower case without @ or spaces: manual, hourly, daily, weekly, monthly'
        ELSE c_usage
      END
      USING ERRCODE = 'CF013', HINT = 'See "Schedules" in docs/dba.md.';
  END IF;
  FOR i IN 1..5 LOOP
    v_problem := conflag.crontab_field_problem(v_fields[i], c_min[i], c_max[i],
      CASE i
        WHEN 4 THEN ARRAY['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
        WHEN 5 THEN ARRAY['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
      END);
    IF v_problem IS NOT NULL THEN
      RAISE EXCEPTION 'jobs.schedule: % is not valid: the % field % %', to_jsonb(p_schedule), c_fields[i], to_jsonb(v_fields[i]), v_problem
        USING ERRCODE = 'CF013',
              HINT = format('The %s field takes %s-%s, *, lists (1,5), ranges (1-5) and steps (*/15). See "Schedules" in docs/dba.md.', c_fields[i], c_min[i], c_max[i]);
    END IF;
  END LOOP;
  RETURN p_schedule;
END
$$;
COMMENT ON FUNCTION conflag.schedule_cron(text) IS 'The crontab of a job schedule: manual -> NULL, hourly -> 0 * * * *, daily -> 0 0 * * *, weekly -> 0 0 * * 0 (Sunday), monthly -> 0 0 1 * *, a 5-field crontab -> itself. Raises CF013 for anything else. Times are in the job''s timezone.';
