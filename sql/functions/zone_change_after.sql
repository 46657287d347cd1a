-- The first instant after p_after at which a time zone's UTC offset changes (a DST change, or a change of the zone's
-- standard offset), looking 36 hours ahead; NULL when the offset 36 hours later is the same (no zone changes twice
-- within three days). Found by bisection to the second: tz data changes happen on whole seconds.
CREATE OR REPLACE FUNCTION conflag.zone_change_after(p_timezone text, p_after timestamptz)
RETURNS timestamptz
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  v_low    timestamptz := date_trunc('second', p_after);
  v_high   timestamptz := date_trunc('second', p_after) + interval '36 hours';
  v_before interval := conflag.zone_offset(p_timezone, p_after);
  v_middle timestamptz;
BEGIN
  IF conflag.zone_offset(p_timezone, v_high) = v_before THEN
    RETURN NULL;
  END IF;
  WHILE v_high - v_low > interval '1 second' LOOP
    v_middle := v_low + date_trunc('second', (v_high - v_low) / 2);
    IF conflag.zone_offset(p_timezone, v_middle) = v_before THEN v_low := v_middle; ELSE v_high := v_middle; END IF;
  END LOOP;
  RETURN v_high;
END
$$;
COMMENT ON FUNCTION conflag.zone_change_after(text, timestamptz) IS 'Internal: the first instant (to the second) after p_after within 36 hours at which the zone''s UTC offset differs from the offset at p_after; NULL if it is the same 36 hours later.';
