-- A 5-field crontab read as Vixie cron reads it: the minutes, hours, days of month, months and days of week it
-- allows (day of week 0-6, Sunday 0; 7 is Sunday too), and whether the day-of-month / day-of-week field begins
-- with `*`. Vixie's day rule (cron.c): when either day field begins with `*` (`*`, `*/2`) a day must match both,
-- otherwise (both restricted) it must match either. Raises CF013 naming the field and the problem, and for a
-- crontab that can never fire (`0 0 31 2 *`): with the both-fields rule every day of month the months have occurs
-- on every weekday over the 400-year Gregorian cycle, so a crontab fires unless no listed month has a listed day.
-- The one definition of a valid crontab: the jobs trigger (conflag.schedule_cron) and the runner's ticks
-- (conflag.schedule_ticks) both read crontabs through it.
CREATE OR REPLACE FUNCTION conflag.crontab_parse(p_crontab text,
  OUT minutes integer[], OUT hours integer[], OUT days integer[], OUT months integer[], OUT weekdays integer[],
  OUT days_star boolean, OUT weekdays_star boolean)
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  c_usage  constant text := 'a crontab needs 5 fields (minute hour day-of-month month day-of-week); or use manual, hourly, daily, weekly, monthly';
  c_hint   constant text := 'See "Schedules" in docs/dba.md.';
  c_fields constant text[] := ARRAY['minute', 'hour', 'day-of-month', 'month', 'day-of-week'];
  c_min    constant integer[] := ARRAY[0, 0, 1, 1, 0];
  c_max    constant integer[] := ARRAY[59, 23, 31, 12, 7];
  c_months constant text[] := ARRAY['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
  c_month_names constant text[] := ARRAY['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
                                         'September', 'October', 'November', 'December'];
  -- February: the 29th exists in leap years.
  c_month_days constant integer[] := ARRAY[31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  v_text   text := btrim(p_crontab, E' \t\r\n');
  v_fields text[];
  v_field  record;
BEGIN
  IF p_crontab IS NULL THEN
    RAISE EXCEPTION 'jobs.schedule: NULL is not valid: %', c_usage USING ERRCODE = 'CF013', HINT = c_hint;
  END IF;
  IF length(p_crontab) > 200 THEN
    RAISE EXCEPTION 'jobs.schedule: % is not valid: it is % characters long (at most 200); %', conflag.json_for_message(to_jsonb(p_crontab)), length(p_crontab), c_usage
      USING ERRCODE = 'CF013', HINT = c_hint;
  END IF;
  v_fields := regexp_split_to_array(v_text, E'[ \t\r\n]+');
  IF v_text = '' OR cardinality(v_fields) <> 5 THEN
    RAISE EXCEPTION 'jobs.schedule: % is not valid: %', to_jsonb(p_crontab),
      CASE
        WHEN cardinality(v_fields) = 6 AND v_text <> '' THEN 'it has 6 fields, but conflag schedules have no seconds field: ' || c_usage
        WHEN p_crontab ~* '^\s*@?(manual|hourly|daily|weekly|monthly)\s*$'
          THEN 'presets are written in lower case without @ or spaces: manual, hourly, daily, weekly, monthly'
        ELSE c_usage
      END
      USING ERRCODE = 'CF013', HINT = c_hint;
  END IF;
  FOR i IN 1..5 LOOP
    v_field := conflag.crontab_field(v_fields[i], c_min[i], c_max[i],
      CASE i WHEN 4 THEN c_months WHEN 5 THEN ARRAY['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] END);
    IF v_field.problem IS NOT NULL THEN
      RAISE EXCEPTION 'jobs.schedule: % is not valid: the % field % %', to_jsonb(p_crontab), c_fields[i], to_jsonb(v_fields[i]), v_field.problem
        USING ERRCODE = 'CF013',
              HINT = format('The %s field takes %s-%s, *, lists (1,5), ranges (1-5) and steps (*/15, 1-30/5). See "Schedules" in docs/dba.md.', c_fields[i], c_min[i], c_max[i]);
    END IF;
    CASE i
      WHEN 1 THEN minutes := v_field.items;
      WHEN 2 THEN hours := v_field.items;
      WHEN 3 THEN days := v_field.items;
      WHEN 4 THEN months := v_field.items;
      WHEN 5 THEN weekdays := CASE WHEN 7 = ANY (v_field.items) AND NOT 0 = ANY (v_field.items) THEN 0 || v_field.items[1:cardinality(v_field.items) - 1]
                                   WHEN 7 = ANY (v_field.items) THEN v_field.items[1:cardinality(v_field.items) - 1]
                                   ELSE v_field.items END;
    END CASE;
  END LOOP;
  days_star := left(v_fields[3], 1) = '*';
  weekdays_star := left(v_fields[5], 1) = '*';
  IF NOT days_star AND weekdays_star AND NOT EXISTS (SELECT FROM unnest(months) AS m WHERE days[1] <= c_month_days[m]) THEN
    RAISE EXCEPTION 'jobs.schedule: % never runs: the day-of-month field % names no day that the months of the month field % have (%)',
      to_jsonb(p_crontab), to_jsonb(v_fields[3]), to_jsonb(v_fields[4]),
      (SELECT string_agg(format('%s has %s', c_month_names[m], CASE m WHEN 2 THEN '29 days at most' ELSE c_month_days[m] || ' days' END), ', ' ORDER BY m)
         FROM unnest(months) AS m)
      USING ERRCODE = 'CF013', HINT = 'Choose days that exist in those months. See "Schedules" in docs/dba.md.';
  END IF;
END
$$;
COMMENT ON FUNCTION conflag.crontab_parse(text) IS 'The values each field of a 5-field crontab allows, read as Vixie cron does (weekdays 0-6, Sunday = 0 = 7), and whether the day-of-month / day-of-week field begins with *. Raises CF013 for a crontab that is not valid or can never fire.';
