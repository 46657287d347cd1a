-- The first wall-clock minute strictly after p_after (a local date and time, no zone) that a parsed crontab allows
-- (conflag.crontab_parse's fields), with Vixie cron's day rule: when either day field begins with `*` a day must
-- match both, else either. Months the crontab does not list are skipped whole, so even a schedule that fires once
-- in decades (29 February on a Sunday) takes a few thousand steps at most; NULL after 400 years (a Gregorian
-- cycle; conflag.crontab_parse has refused crontabs that can never fire).
CREATE OR REPLACE FUNCTION conflag.crontab_next_slot(p_minutes integer[], p_hours integer[], p_days integer[],
                                                     p_months integer[], p_weekdays integer[], p_days_star boolean,
                                                     p_weekdays_star boolean, p_after timestamp)
RETURNS timestamp
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  v_day   date := p_after::date;
  v_after time := p_after::time;
  v_first boolean := true;
  v_end   date := p_after::date + interval '400 years';
  v_dom   integer;
  v_dow   integer;
  v_hour  integer;
  v_minute integer;
BEGIN
  WHILE v_day <= v_end LOOP
    IF NOT extract(month FROM v_day)::integer = ANY (p_months) THEN
      v_day := (date_trunc('month', v_day) + interval '1 month')::date;
      v_first := false;
      CONTINUE;
    END IF;
    v_dom := extract(day FROM v_day);
    v_dow := extract(dow FROM v_day);
    IF (p_days_star OR p_weekdays_star) AND v_dom = ANY (p_days) AND v_dow = ANY (p_weekdays)
       OR NOT (p_days_star OR p_weekdays_star) AND (v_dom = ANY (p_days) OR v_dow = ANY (p_weekdays)) THEN
      FOREACH v_hour IN ARRAY p_hours LOOP
        CONTINUE WHEN v_first AND v_hour < extract(hour FROM v_after);
        FOREACH v_minute IN ARRAY p_minutes LOOP
          IF NOT v_first OR make_time(v_hour, v_minute, 0) > v_after THEN
            RETURN v_day + make_time(v_hour, v_minute, 0);
          END IF;
        END LOOP;
      END LOOP;
    END IF;
    v_day := v_day + 1;
    v_first := false;
  END LOOP;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.crontab_next_slot(integer[], integer[], integer[], integer[], integer[], boolean, boolean, timestamp) IS 'Internal: the first local wall-clock minute strictly after p_after that the crontab fields allow (Vixie cron''s day rule); NULL if none within 400 years.';
