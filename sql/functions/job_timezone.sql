-- The time zone a job's schedule and condition are read in: its own timezone, else conflag.settings.default_timezone,
-- else the server's TimeZone setting. One rule for runs (src/sql/resolveTimezone.ts), schedules
-- (src/schedule/syncSchedules.ts) and conflicts (conflag.job_selection_digest).
CREATE OR REPLACE FUNCTION conflag.job_timezone(p_timezone text)
RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT coalesce(p_timezone, (SELECT s.default_timezone FROM conflag.settings s LIMIT 1), current_setting('TimeZone'))
$$;
COMMENT ON FUNCTION conflag.job_timezone(text) IS 'The time zone of a job whose timezone column is p_timezone: p_timezone, else conflag.settings.default_timezone, else the server''s TimeZone.';
