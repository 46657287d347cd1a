-- Why a time zone name is not accepted (NULL when it is, or when it is NULL). Only names PostgreSQL lists in
-- pg_timezone_names are taken, with their exact spelling: the same name must work for the runner's cron
-- schedule (JavaScript Intl) and for AT TIME ZONE in the compiled condition.
CREATE OR REPLACE FUNCTION conflag.timezone_problem(p_timezone text)
RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT CASE
           WHEN p_timezone IS NULL OR EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names WHERE name = p_timezone) THEN NULL
           ELSE conflag.json_for_message(to_jsonb(p_timezone)) || ' is not a known time zone; '
                || COALESCE('did you mean "' || (SELECT min(name) FROM pg_catalog.pg_timezone_names WHERE lower(name) = lower(p_timezone)) || '"? (names are case-sensitive)',
                            'use an IANA name listed in pg_timezone_names, such as Europe/Berlin, America/New_York or UTC')
         END
$$;
COMMENT ON FUNCTION conflag.timezone_problem(text) IS 'Why a time zone name is not accepted for jobs.timezone or settings.default_timezone, or NULL when it is (an exact name from pg_timezone_names, or NULL).';
