-- The UTC offset of a time zone at an instant (east positive: Europe/Berlin in summer is 02:00:00), from
-- PostgreSQL's own time zone data, which is also what AT TIME ZONE in a compiled condition uses.
CREATE OR REPLACE FUNCTION conflag.zone_offset(p_timezone text, p_at timestamptz)
RETURNS interval
LANGUAGE sql STABLE
AS $$
  SELECT (p_at AT TIME ZONE p_timezone) - (p_at AT TIME ZONE 'UTC')
$$;
COMMENT ON FUNCTION conflag.zone_offset(text, timestamptz) IS 'Internal: the UTC offset of time zone p_timezone at instant p_at (east positive).';
