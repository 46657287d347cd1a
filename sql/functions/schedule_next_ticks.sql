-- The next tick of many schedules at once, for the runners' schedule sync and tick firing: one row per input, in
-- order, with the tick — or, for a schedule or zone the database refuses now (a job saved under older rules, a
-- server TimeZone that is not a zone), the reason in problem instead of failing the whole batch. The runner logs
-- those jobs as not scheduled; conflag.job_status shows the reason too (schedule_problem).
CREATE OR REPLACE FUNCTION conflag.schedule_next_ticks(p_crontabs text[], p_timezones text[], p_after timestamptz)
RETURNS TABLE (n integer, next_tick_at timestamptz, next_slot text, problem text)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  FOR i IN 1 .. coalesce(cardinality(p_crontabs), 0) LOOP
    n := i;
    BEGIN
      SELECT t.tick_at, t.slot INTO next_tick_at, next_slot FROM conflag.schedule_ticks(p_crontabs[i], p_timezones[i], p_after) AS t;
      problem := NULL;
    EXCEPTION WHEN SQLSTATE 'CF013' OR invalid_parameter_value THEN
      next_tick_at := NULL;
      next_slot := NULL;
      problem := SQLERRM;
    END;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION conflag.schedule_next_ticks(text[], text[], timestamptz) IS 'Internal (runners): conflag.schedule_ticks (the next one) for each (crontab, timezone) pair, in order (n = position); a pair the database refuses gets problem (the error message) instead of a tick.';
