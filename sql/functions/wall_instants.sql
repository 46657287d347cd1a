-- The real instants a local wall-clock time names in a time zone: one normally, two in a fall-back hour (earlier
-- first), none in a spring-forward gap — then gap_end is the first instant after the gap (the transition). The
-- offsets are sampled 36 hours either side, which finds both offsets around a transition as long as a zone does not
-- change twice within three days (none does).
CREATE OR REPLACE FUNCTION conflag.wall_instants(p_timezone text, p_wall timestamp, OUT instants timestamptz[], OUT gap_end timestamptz)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  v_as_utc  timestamptz := p_wall AT TIME ZONE 'UTC';
  v_offsets interval[] := ARRAY[conflag.zone_offset(p_timezone, v_as_utc - interval '36 hours'),
                                conflag.zone_offset(p_timezone, v_as_utc),
                                conflag.zone_offset(p_timezone, v_as_utc + interval '36 hours')];
  v_offset  interval;
BEGIN
  -- Plain expressions rather than SQL over arrays: this runs for every slot of every tick the runners compute.
  instants := '{}';
  FOREACH v_offset IN ARRAY v_offsets LOOP
    IF conflag.zone_offset(p_timezone, v_as_utc - v_offset) = v_offset AND NOT (v_as_utc - v_offset) = ANY (instants) THEN
      instants := CASE WHEN cardinality(instants) > 0 AND instants[1] > v_as_utc - v_offset
                       THEN (v_as_utc - v_offset) || instants ELSE instants || (v_as_utc - v_offset) END;
    END IF;
  END LOOP;
  IF cardinality(instants) > 0 THEN
    RETURN;
  END IF;
  -- A gap: the clock jumped from before p_wall to after it, between the instant p_wall would be with the later
  -- (larger) offset and with the earlier one.
  gap_end := conflag.zone_change_after(p_timezone, v_as_utc - greatest(v_offsets[1], v_offsets[2], v_offsets[3]));
END
$$;
COMMENT ON FUNCTION conflag.wall_instants(text, timestamp) IS 'Internal: the instants a local wall-clock time names in a time zone (ascending; two in a fall-back hour), or none and gap_end, the first instant after the spring-forward gap it falls in.';
