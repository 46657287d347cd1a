-- Why a time zone name is not accepted (NULL when it is, or when it is NULL). Accepted: the names PostgreSQL lists
-- in pg_timezone_names, with their exact spelling, except the ones that are not zones of their own: posix/… and
-- right/… (copies of the IANA zones; right/ counts leap seconds), posixrules (the rules template for POSIX TZ
-- strings), localtime (whatever the server machine is set to) and Factory ("zone not set"). Ticks and conditions
-- are computed by PostgreSQL (conflag.schedule_ticks, AT TIME ZONE), so every accepted name is usable
-- (test/schedule/scheduleZones.test.ts); the excluded ones are refused with the name to use instead. Scanning
-- pg_timezone_names takes about 0.1 s, so this runs only when a zone is written.
CREATE OR REPLACE FUNCTION conflag.timezone_problem(p_timezone text)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  c_use    constant text := 'use an IANA name listed in pg_timezone_names, such as Europe/Berlin, America/New_York or UTC';
  v_shown  text := conflag.json_for_message(to_jsonb(p_timezone));
  v_copy   text := substring(p_timezone FROM '^(?:posix|right)/(.+)$');
  v_zones  text[];
  v_names  text;
BEGIN
  IF p_timezone IS NULL THEN
    RETURN NULL;
  END IF;
  -- One scan of pg_timezone_names (it reads every zone file), the zones of their own among them.
  v_zones := ARRAY(SELECT name FROM pg_catalog.pg_timezone_names
                    WHERE name !~ '^(posix|right)/' AND name NOT IN ('posixrules', 'localtime', 'Factory'));
  IF p_timezone = ANY (v_zones) THEN
    RETURN NULL;
  END IF;
  IF v_copy = ANY (v_zones) THEN
    RETURN format('%s is a copy of the zone %s %s; did you mean %s? (the zone itself, without the prefix)', v_shown, to_jsonb(v_copy),
      CASE WHEN p_timezone LIKE 'right/%' THEN 'that counts leap seconds, which PostgreSQL''s timestamps do not' ELSE 'kept for POSIX systems' END,
      to_jsonb(v_copy));
  END IF;
  -- (posix/Factory and the like are copies of these.)
  CASE coalesce(v_copy, p_timezone)
    WHEN 'localtime' THEN
      RETURN v_shown || ' is whatever zone the database server''s machine is set to, which can change under the job; name the zone itself (such as Europe/Berlin), or use NULL for the server''s TimeZone setting';
    WHEN 'posixrules' THEN
      RETURN v_shown || ' is not a time zone but the rules template for POSIX TZ strings; did you mean "America/New_York"? (whose rules it usually holds)';
    WHEN 'Factory' THEN
      RETURN v_shown || ' means "time zone not set" (its abbreviation is -00); ' || c_use;
    ELSE NULL;
  END CASE;
  -- A name in another case, or a city without its region.
  SELECT string_agg(to_jsonb(z)::text, ' or ' ORDER BY lower(z) = lower(p_timezone) DESC, z) INTO v_names
    FROM (SELECT z FROM unnest(v_zones) AS z
           WHERE lower(z) = lower(p_timezone) OR lower(z) LIKE '%/' || lower(replace(p_timezone, ' ', '_'))
           ORDER BY lower(z) = lower(p_timezone) DESC, z LIMIT 3) AS s;
  IF v_names IS NOT NULL THEN
    RETURN format('%s is not a known time zone; did you mean %s? (names are case-sensitive)', v_shown, v_names);
  END IF;
  RETURN v_shown || ' is not a known time zone; ' || c_use;
END
$$;
COMMENT ON FUNCTION conflag.timezone_problem(text) IS 'Why a time zone name is not accepted for jobs.timezone or settings.default_timezone (with the name to use instead when there is one), or NULL when it is: an exact name from pg_timezone_names other than posix/..., right/..., posixrules, localtime and Factory, or NULL.';
