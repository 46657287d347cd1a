-- Up Migration

-- Issue 3: jobs are rows a DBA writes with plain SQL. This migration adds the validation of conflag.jobs (a
-- BEFORE trigger raising CF0xx/CF1xx errors, plus CHECK constraints as a backstop when triggers are bypassed),
-- the audit table conflag.job_changes, NOTIFY conflag_jobs, conflag.settings, conflag.run_requests with
-- conflag.request_run(), and the roles conflag_admin, conflag_runner and conflag_reporting.
-- The current text of each function is in sql/<name>.sql (kept identical, see test/sqlFiles.test.ts).

-- ---------------------------------------------------------------------------------------------------------
-- Validation routines (helpers first: SQL-language functions are checked against what they call).

-- Shows a JSON value inside an error message: its JSON text (strings keep their quotes, so "" and " " stay
-- visible), cut to 80 characters so a huge value cannot flood the message.
CREATE OR REPLACE FUNCTION conflag.json_for_message(p_value jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
  SELECT CASE
           WHEN p_value IS NULL THEN 'NULL'
           WHEN length(p_value::text) > 80 THEN left(p_value::text, 77) || '...'
           ELSE p_value::text
         END
$$;
COMMENT ON FUNCTION conflag.json_for_message(jsonb) IS 'Internal: a JSON value as shown in conflag error messages (JSON text, at most 80 characters).';

-- One e-mail address (no display name), checked with the WHATWG HTML "valid e-mail address" pattern: strict
-- enough to catch typos such as a missing @ or a comma inside a list, without rejecting real addresses.
CREATE OR REPLACE FUNCTION conflag.is_email_address(p_address text)
RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $$
  SELECT p_address IS NOT NULL
     AND length(p_address) <= 254
     AND p_address ~ '^[A-Za-z0-9.!#$%&''*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$'
$$;
COMMENT ON FUNCTION conflag.is_email_address(text) IS 'True when the text is one e-mail address such as ops@example.com (WHATWG HTML pattern, at most 254 characters).';

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

-- Why one field of a 5-field crontab is not valid (NULL when it is). Accepts what cron-parser (used by
-- pg-boss) reads the same way: numbers, *, lists a,b, ranges a-b, steps */n, a/n and a-b/n, and names
-- (jan..dec, sun..sat, any case) where p_names is given. Rejects what it would read differently or not
-- at all (?, L, W, #, H, reversed ranges, values out of range).
CREATE OR REPLACE FUNCTION conflag.crontab_field_problem(p_field text, p_min integer, p_max integer, p_names text[] DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  v_item  text;
  v_match text[];
  v_token text;
  v_value integer;
  v_start integer;
  v_end   integer;
  v_names text := CASE WHEN p_names IS NULL THEN '' ELSE ' or a name (' || array_to_string(p_names, ', ') || ')' END;
BEGIN
  FOREACH v_item IN ARRAY string_to_array(p_field, ',') LOOP
    IF v_item = '' THEN
      RETURN 'has an empty item in its comma-separated list';
    END IF;
    -- base (* | a | a-b) then an optional /step
    v_match := regexp_match(v_item, '^(\*|([0-9A-Za-z]+)(-([0-9A-Za-z]+))?)(/([0-9]+))?$');
    IF v_match IS NULL THEN
      RETURN format('has %s, which is not a number%s, *, a range a-b or a step */n', to_jsonb(v_item), v_names);
    END IF;
    v_start := NULL;
    v_end := NULL;
    FOREACH v_token IN ARRAY ARRAY[v_match[2], v_match[4]] LOOP
      CONTINUE WHEN v_token IS NULL;
      IF v_token ~ '^[0-9]{1,4}$' THEN
        v_value := v_token::integer;
      ELSIF p_names IS NOT NULL AND lower(v_token) = ANY (p_names) THEN
        v_value := array_position(p_names, lower(v_token)) - 1 + p_min;
      ELSE
        RETURN format('has %s, which is not a number%s', to_jsonb(v_token), v_names);
      END IF;
      IF v_value < p_min OR v_value > p_max THEN
        RETURN format('has %s, outside the allowed %s-%s', v_token, p_min, p_max);
      END IF;
      IF v_start IS NULL THEN v_start := v_value; ELSE v_end := v_value; END IF;
    END LOOP;
    IF v_end IS NOT NULL AND v_start > v_end THEN
      RETURN format('has the range %s, which runs backwards', to_jsonb(v_match[1]));
    END IF;
    IF v_match[6] IS NOT NULL AND (length(v_match[6]) > 4 OR v_match[6]::integer < 1 OR v_match[6]::integer > p_max - p_min + 1) THEN
      RETURN format('has the step /%s; a step must be from 1 to %s', v_match[6], p_max - p_min + 1);
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.crontab_field_problem(text, integer, integer, text[]) IS 'Internal: why one crontab field is not valid for the range p_min..p_max (names p_names map to p_min, p_min+1, ...), or NULL when it is.';

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

-- Why one value (a scalar, or one element of an array/pair value) does not fit an attribute type under an
-- operator; NULL when it fits. JSON null is the caller's business (allowed or not by the operator's shape),
-- except for json attributes where null is one of the scalars.
-- Numbers: lessThan/greaterThan/between also take a numeric string, because json-rules-engine's comparison
-- coerces it ("7200" > 5 is true in JavaScript); equal/in never do (5 === "5" is false), so a string there
-- could never match and is rejected.
CREATE OR REPLACE FUNCTION conflag.condition_value_problem(p_value jsonb, p_type text, p_operator text)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  v_kind text := jsonb_typeof(p_value);
  v_text text := CASE WHEN jsonb_typeof(p_value) = 'string' THEN p_value #>> '{}' END;
BEGIN
  CASE p_type
    WHEN 'text', 'text_array' THEN
      IF v_kind <> 'string' THEN
        RETURN 'expected a string';
      END IF;
    WHEN 'number' THEN
      IF v_kind = 'number' THEN
        RETURN NULL;
      ELSIF v_kind = 'string' AND p_operator IN ('equal', 'notEqual', 'in', 'notIn') THEN
        RETURN format('expected a number without quotes: %s compares with ===, and 5 === "5" is false, so a string could never match', p_operator);
      ELSIF v_kind = 'string' AND p_operator IN ('lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'between')
            AND v_text ~ '^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$' THEN
        RETURN NULL;
      ELSE
        RETURN 'expected a number' ||
          CASE WHEN p_operator IN ('lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'between')
               THEN ' (or a decimal number in a string, such as "7200")' ELSE '' END;
      END IF;
    WHEN 'timestamp' THEN
      IF v_kind <> 'string'
         OR v_text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$' THEN
        RETURN 'expected a timestamp string YYYY-MM-DD HH:MM[:SS[.ffffff]] (or with T), optionally ending in Z or an offset such as +02:00; without an offset it is read in the job''s timezone';
      END IF;
      BEGIN
        PERFORM v_text::timestamptz;
      EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format OR invalid_time_zone_displacement_value THEN
        RETURN 'is not a real date and time: ' || SQLERRM;
      END;
    WHEN 'date' THEN
      IF v_kind <> 'string' OR v_text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
        RETURN 'expected a date string YYYY-MM-DD';
      END IF;
      BEGIN
        PERFORM v_text::date;
      EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
        RETURN 'is not a real date: ' || SQLERRM;
      END;
    WHEN 'time' THEN
      IF v_kind <> 'string' OR v_text !~ '^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$' THEN
        RETURN 'expected a time of day string HH:MM or HH:MM:SS (00:00 to 23:59:59)';
      END IF;
    WHEN 'json' THEN
      IF v_kind NOT IN ('string', 'number', 'boolean', 'null') THEN
        RETURN 'expected a JSON scalar (string, number, true, false or null), not an object or array';
      END IF;
    ELSE
      RETURN format('the attribute type %s is unknown to the validation', p_type);
  END CASE;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.condition_value_problem(jsonb, text, text) IS 'Internal: why one condition value (or one element of an array/pair value) does not fit the attribute type under the operator, or NULL when it fits.';

-- Checks one leaf {fact, operator, value, path?, name?} of a job condition against the attribute and operator
-- catalogs; raises CF1xx naming the location (p_at, e.g. all[2]), the offending value and what is allowed.
CREATE OR REPLACE FUNCTION conflag.validate_condition_leaf(p_leaf jsonb, p_at text)
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  c_hint  constant text := 'See "Conditions" in docs/dba.md and docs/conditions.md.';
  v_key      text;
  v_fact     text;
  v_type     text;
  v_operator text;
  v_types    text[];
  v_shape    text;
  v_value    jsonb;
  v_element  jsonb;
  v_index    integer;
  v_problem  text;
  v_allowed  text;
BEGIN
  FOR v_key IN SELECT jsonb_object_keys(p_leaf) LOOP
    IF v_key NOT IN ('fact', 'operator', 'value', 'path', 'name') THEN
      RAISE EXCEPTION 'jobs.condition: %.% is not supported: a fact/operator/value condition takes only fact, operator, value, path and name', p_at, v_key
        USING ERRCODE = 'CF101', HINT = c_hint;
    END IF;
  END LOOP;
  IF p_leaf ? 'name' AND (jsonb_typeof(p_leaf -> 'name') <> 'string' OR length(p_leaf ->> 'name') > 1000) THEN
    RAISE EXCEPTION 'jobs.condition: %.name % must be a string of at most 1000 characters', p_at, conflag.json_for_message(p_leaf -> 'name')
      USING ERRCODE = 'CF100', HINT = c_hint;
  END IF;

  -- fact
  IF jsonb_typeof(p_leaf -> 'fact') IS DISTINCT FROM 'string' THEN
    RAISE EXCEPTION 'jobs.condition: %.fact % must be a string naming an attribute; known attributes: %', p_at,
      CASE WHEN p_leaf ? 'fact' THEN conflag.json_for_message(p_leaf -> 'fact') ELSE 'is missing and' END, (SELECT string_agg(name, ', ' ORDER BY name) FROM conflag.attributes)
      USING ERRCODE = 'CF100', HINT = c_hint;
  END IF;
  v_fact := p_leaf ->> 'fact';
  SELECT type INTO v_type FROM conflag.attributes WHERE name = v_fact;
  IF v_type IS NULL THEN
    RAISE EXCEPTION 'jobs.condition: %.fact % is not a known attribute; known attributes: %', p_at, conflag.json_for_message(p_leaf -> 'fact'),
      (SELECT string_agg(name, ', ' ORDER BY name) FROM conflag.attributes)
      USING ERRCODE = 'CF102', HINT = 'SELECT name, type, description FROM conflag.attributes lists them. ' || c_hint;
  END IF;

  -- operator
  v_allowed := (SELECT string_agg(name, ', ' ORDER BY name) FROM conflag.operators WHERE v_type = ANY (types));
  IF jsonb_typeof(p_leaf -> 'operator') IS DISTINCT FROM 'string' THEN
    RAISE EXCEPTION 'jobs.condition: %.operator % must be a string naming an operator; operators for % (%): %', p_at,
      CASE WHEN p_leaf ? 'operator' THEN conflag.json_for_message(p_leaf -> 'operator') ELSE 'is missing and' END, to_jsonb(v_fact), v_type, v_allowed
      USING ERRCODE = 'CF100', HINT = c_hint;
  END IF;
  v_operator := p_leaf ->> 'operator';
  SELECT types, value_shape INTO v_types, v_shape FROM conflag.operators WHERE name = v_operator;
  IF v_shape IS NULL THEN
    RAISE EXCEPTION 'jobs.condition: %.operator % is not a known operator; operators for % (%): %', p_at,
      conflag.json_for_message(p_leaf -> 'operator'), to_jsonb(v_fact), v_type, v_allowed
      USING ERRCODE = 'CF103', HINT = 'SELECT name, types, description FROM conflag.operators lists them. ' || c_hint;
  END IF;
  IF NOT v_type = ANY (v_types) THEN
    RAISE EXCEPTION 'jobs.condition: %.operator % does not apply to fact % (%); operators for %: %', p_at,
      to_jsonb(v_operator), to_jsonb(v_fact), v_type, v_type, v_allowed
      USING ERRCODE = 'CF104', HINT = c_hint;
  END IF;

  -- path: only into json attributes, a restricted JSONPath the compiler turns into #> and json-rules-engine reads alike
  IF p_leaf ? 'path' THEN
    IF v_type <> 'json' THEN
      RAISE EXCEPTION 'jobs.condition: %.path % is only allowed on json facts (%), not on % (%)', p_at,
        conflag.json_for_message(p_leaf -> 'path'), (SELECT string_agg(name, ', ' ORDER BY name) FROM conflag.attributes WHERE type = 'json'),
        to_jsonb(v_fact), v_type
        USING ERRCODE = 'CF106', HINT = c_hint;
    END IF;
    IF jsonb_typeof(p_leaf -> 'path') <> 'string' OR length(p_leaf ->> 'path') > 1000
       OR (p_leaf ->> 'path') !~ '^\$(\.[A-Za-z_][A-Za-z0-9_]*|\[(0|[1-9][0-9]{0,3})\]){1,10}$' THEN
      RAISE EXCEPTION 'jobs.condition: %.path % is not valid: write $ followed by 1 to 10 steps, each .name (letters, digits, _) or [index] (0 to 9999), e.g. $.crm.account or $.items[0].id', p_at,
        conflag.json_for_message(p_leaf -> 'path')
        USING ERRCODE = 'CF106', HINT = c_hint;
    END IF;
  END IF;

  -- value, by the operator's value shape
  IF NOT p_leaf ? 'value' THEN
    RAISE EXCEPTION 'jobs.condition: %.value is missing: % on fact % (%) needs a value', p_at, to_jsonb(v_operator), to_jsonb(v_fact), v_type
      USING ERRCODE = 'CF105', HINT = c_hint;
  END IF;
  v_value := p_leaf -> 'value';
  IF jsonb_typeof(v_value) = 'string' AND length(v_value #>> '{}') > 1000
     OR jsonb_typeof(v_value) = 'array' AND EXISTS (SELECT 1 FROM jsonb_array_elements(v_value) e WHERE jsonb_typeof(e) = 'string' AND length(e #>> '{}') > 1000) THEN
    RAISE EXCEPTION 'jobs.condition: %.value % has a string longer than 1000 characters, the most allowed', p_at, conflag.json_for_message(v_value)
      USING ERRCODE = 'CF107', HINT = c_hint;
  END IF;
  CASE v_shape
    WHEN 'boolean' THEN
      IF jsonb_typeof(v_value) <> 'boolean' THEN
        v_problem := 'expected true or false';
      END IF;
    WHEN 'string' THEN
      IF jsonb_typeof(v_value) <> 'string' THEN
        v_problem := 'expected a string';
      END IF;
    WHEN 'scalar' THEN
      v_problem := conflag.condition_value_problem(v_value, v_type, v_operator);
    WHEN 'scalar_or_null' THEN
      IF jsonb_typeof(v_value) <> 'null' THEN
        v_problem := conflag.condition_value_problem(v_value, v_type, v_operator);
      END IF;
    WHEN 'array', 'pair' THEN
      IF jsonb_typeof(v_value) <> 'array' THEN
        v_problem := CASE v_shape WHEN 'pair' THEN 'expected an array of two values [low, high]' ELSE 'expected an array of values' END;
      ELSIF v_shape = 'pair' AND jsonb_array_length(v_value) <> 2 THEN
        v_problem := format('expected exactly two values [low, high], not %s', jsonb_array_length(v_value));
      ELSIF jsonb_array_length(v_value) > 1000 THEN
        RAISE EXCEPTION 'jobs.condition: %.value has % values; at most 1000 are allowed', p_at, jsonb_array_length(v_value)
          USING ERRCODE = 'CF107', HINT = c_hint;
      ELSE
        v_index := 0;
        FOR v_element IN SELECT e FROM jsonb_array_elements(v_value) e LOOP
          IF NOT (v_shape = 'array' AND jsonb_typeof(v_element) = 'null') THEN
            v_problem := conflag.condition_value_problem(v_element, v_type, v_operator);
            IF v_problem IS NOT NULL THEN
              RAISE EXCEPTION 'jobs.condition: %.value[%] % is not valid for % on fact % (%): %', p_at, v_index,
                conflag.json_for_message(v_element), to_jsonb(v_operator), to_jsonb(v_fact), v_type, v_problem
                USING ERRCODE = 'CF105', HINT = c_hint;
            END IF;
          END IF;
          v_index := v_index + 1;
        END LOOP;
      END IF;
  END CASE;
  IF v_problem IS NOT NULL THEN
    RAISE EXCEPTION 'jobs.condition: %.value % is not valid for % on fact % (%): %', p_at, conflag.json_for_message(v_value),
      to_jsonb(v_operator), to_jsonb(v_fact), v_type, v_problem
      USING ERRCODE = 'CF105', HINT = c_hint;
  END IF;
END
$$;
COMMENT ON FUNCTION conflag.validate_condition_leaf(jsonb, text) IS 'Internal: checks one fact/operator/value leaf of a condition at location p_at (e.g. all[2]); raises CF100-CF107.';

-- Walks one node of a job condition (a group {all|any|not} or a leaf) at location p_at and nesting level
-- p_depth (the top level is 1). Returns the number of leaves seen so far (p_leaves plus this subtree), so the
-- 200-leaf bound is enforced while walking, before any more work is done.
CREATE OR REPLACE FUNCTION conflag.validate_condition_node(p_node jsonb, p_at text, p_depth integer, p_leaves integer)
RETURNS integer
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  c_hint   constant text := 'See "Conditions" in docs/dba.md.';
  v_here   text := CASE WHEN p_at = '' THEN '' ELSE p_at || ' ' END;
  v_prefix text := CASE WHEN p_at = '' THEN '' ELSE p_at || '.' END;
  v_groups text[];
  v_key    text;
  v_kind   text;
  v_leaves integer := p_leaves;
BEGIN
  IF p_depth > 10 THEN
    RAISE EXCEPTION 'jobs.condition: % is nested % levels deep; at most 10 levels are allowed', p_at, p_depth
      USING ERRCODE = 'CF107', HINT = c_hint;
  END IF;
  IF jsonb_typeof(p_node) <> 'object' THEN
    RAISE EXCEPTION 'jobs.condition: % is not a condition: expected an object, either a group {"all": [...]}, {"any": [...]}, {"not": {...}} or a leaf {"fact": ..., "operator": ..., "value": ...}',
      v_here || conflag.json_for_message(p_node)
      USING ERRCODE = 'CF100', HINT = c_hint;
  END IF;
  v_groups := ARRAY(SELECT k FROM jsonb_object_keys(p_node) AS k WHERE k IN ('all', 'any', 'not') ORDER BY k);

  IF cardinality(v_groups) = 0 THEN
    IF NOT p_node ?| ARRAY['fact', 'operator', 'value'] THEN
      SELECT k INTO v_key FROM jsonb_object_keys(p_node) AS k WHERE k <> 'name' ORDER BY k LIMIT 1;
      IF v_key IS NOT NULL THEN
        RAISE EXCEPTION 'jobs.condition: % is not supported: a condition is a group (all, any or not) or a leaf (fact, operator, value)%', v_prefix || v_key,
          CASE WHEN v_key = 'condition' THEN '; shared condition references are not supported, write the condition out' ELSE '' END
          USING ERRCODE = 'CF101', HINT = c_hint;
      END IF;
      RAISE EXCEPTION 'jobs.condition: % is neither a group (all, any, not) nor a leaf (fact, operator, value)', v_here || conflag.json_for_message(p_node)
        USING ERRCODE = 'CF100', HINT = c_hint;
    END IF;
    IF p_depth = 1 THEN
      RAISE EXCEPTION 'jobs.condition: % is not a group: the top level must have "all", "any" or "not"; wrap a single leaf as {"all": [ ... ]}', conflag.json_for_message(p_node)
        USING ERRCODE = 'CF100', HINT = c_hint;
    END IF;
    v_leaves := v_leaves + 1;
    IF v_leaves > 200 THEN
      RAISE EXCEPTION 'jobs.condition: % is leaf number %; at most 200 fact/operator/value conditions are allowed', p_at, v_leaves
        USING ERRCODE = 'CF107', HINT = c_hint;
    END IF;
    PERFORM conflag.validate_condition_leaf(p_node, p_at);
    RETURN v_leaves;
  END IF;

  IF cardinality(v_groups) > 1 THEN
    RAISE EXCEPTION 'jobs.condition: %has both % and %; a group takes exactly one of all, any, not (nest a second group instead)',
      v_here, to_jsonb(v_groups[1]), to_jsonb(v_groups[2])
      USING ERRCODE = 'CF100', HINT = c_hint;
  END IF;
  FOR v_key IN SELECT jsonb_object_keys(p_node) LOOP
    IF v_key NOT IN ('all', 'any', 'not', 'name') THEN
      RAISE EXCEPTION 'jobs.condition: % is not supported: a group takes exactly one of all, any, not, and optionally name%', v_prefix || v_key,
        CASE WHEN v_key IN ('fact', 'operator', 'value', 'path') THEN ' (a group cannot also be a leaf)' ELSE '' END
        USING ERRCODE = 'CF101', HINT = c_hint;
    END IF;
  END LOOP;
  IF p_node ? 'name' AND (jsonb_typeof(p_node -> 'name') <> 'string' OR length(p_node ->> 'name') > 1000) THEN
    RAISE EXCEPTION 'jobs.condition: %name % must be a string of at most 1000 characters', v_prefix, conflag.json_for_message(p_node -> 'name')
      USING ERRCODE = 'CF100', HINT = c_hint;
  END IF;

  v_kind := v_groups[1];
  IF v_kind = 'not' THEN
    IF jsonb_typeof(p_node -> 'not') <> 'object' THEN
      RAISE EXCEPTION 'jobs.condition: %not % must be one condition object (a group or a leaf)', v_prefix, conflag.json_for_message(p_node -> 'not')
        USING ERRCODE = 'CF100', HINT = c_hint;
    END IF;
    RETURN conflag.validate_condition_node(p_node -> 'not', v_prefix || 'not', p_depth + 1, v_leaves);
  END IF;
  IF jsonb_typeof(p_node -> v_kind) <> 'array' THEN
    RAISE EXCEPTION 'jobs.condition: % % must be an array of conditions', v_prefix || v_kind, conflag.json_for_message(p_node -> v_kind)
      USING ERRCODE = 'CF100', HINT = c_hint;
  END IF;
  FOR i IN 0 .. jsonb_array_length(p_node -> v_kind) - 1 LOOP
    v_leaves := conflag.validate_condition_node(p_node -> v_kind -> i, format('%s%s[%s]', v_prefix, v_kind, i), p_depth + 1, v_leaves);
  END LOOP;
  RETURN v_leaves;
END
$$;
COMMENT ON FUNCTION conflag.validate_condition_node(jsonb, text, integer, integer) IS 'Internal: checks one node of a condition at location p_at and level p_depth (top = 1); returns the leaves counted so far. Raises CF100-CF107.';

-- Validates a job condition (json-rules-engine format, conflag's catalogs) without saving it: the jobs trigger
-- calls it for jobs.condition, and `conflag preview` for unsaved conditions. The size bound comes first so a
-- huge document is refused before it is walked; depth and leaf bounds are enforced while walking.
CREATE OR REPLACE FUNCTION conflag.validate_condition(p_condition jsonb)
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  IF p_condition IS NULL THEN
    RAISE EXCEPTION 'jobs.condition: NULL is not a condition; write a group such as {"all": [{"fact": "duration", "operator": "greaterThan", "value": 7200}]}'
      USING ERRCODE = 'CF100', HINT = 'See "Conditions" in docs/dba.md.';
  END IF;
  IF octet_length(p_condition::text) > 65536 THEN
    RAISE EXCEPTION 'jobs.condition: % is % bytes long as text; at most 65536 are allowed', conflag.json_for_message(p_condition), octet_length(p_condition::text)
      USING ERRCODE = 'CF107', HINT = 'See "Conditions" in docs/dba.md.';
  END IF;
  PERFORM conflag.validate_condition_node(p_condition, '', 1, 0);
END
$$;
COMMENT ON FUNCTION conflag.validate_condition(jsonb) IS 'Raises a CF1xx error naming the location, the offending value and what is allowed when the condition is not valid; returns nothing when it is. Usable on its own: SELECT conflag.validate_condition(''{"all": [...]}'').';

-- ---------------------------------------------------------------------------------------------------------
-- conflag.jobs: comments, backstop constraints, and the validation trigger.
COMMENT ON TABLE conflag.jobs IS 'Set/Clear Confidential Flags jobs, one row each. Insert, update and delete them with SQL; every change is validated (CF errors, see docs/errors.md), audited in conflag.job_changes and announced on NOTIFY channel conflag_jobs. See docs/dba.md.';
COMMENT ON COLUMN conflag.jobs.id IS 'Job id (identity). conflag.request_run() takes it, or the name.';
COMMENT ON COLUMN conflag.jobs.name IS 'Distinctive name, unique ignoring case, 1 to 200 characters.';
COMMENT ON COLUMN conflag.jobs.access_scope IS 'Tenant ids (conflag.tenants.id) the job applies to; NULL = all tenants. Never empty, no duplicates.';
COMMENT ON COLUMN conflag.jobs.mode IS '''full'' (default): every run looks at all matching recordings; ''incremental'': each run skips recordings earlier runs already processed.';
COMMENT ON COLUMN conflag.jobs.condition IS 'Which recordings the job flags: a json-rules-engine condition ({"all"|"any": [...]} or {"not": {...}}, leaves {fact, operator, value, path?}). Facts: conflag.attributes; operators: conflag.operators. Checked by conflag.validate_condition().';
COMMENT ON COLUMN conflag.jobs.action IS '''set'' or ''clear'' the confidential flag of the matching recordings.';
COMMENT ON COLUMN conflag.jobs.log_enabled IS 'Write a detailed diagnostic log for each run (default false).';
COMMENT ON COLUMN conflag.jobs.keep_history_days IS 'Days to keep the history of successful runs, 1 to 36500 (default 60).';
COMMENT ON COLUMN conflag.jobs.timezone IS 'IANA time zone (pg_timezone_names) for the schedule and the date/time facts of the condition; NULL = conflag.settings.default_timezone, else the server''s TimeZone.';
COMMENT ON COLUMN conflag.jobs.execution_time_limit_minutes IS 'A run longer than this is aborted, 1 to 10080; NULL = no limit.';
COMMENT ON COLUMN conflag.jobs.keep_alive_timeout_minutes IS 'A run that shows no progress for this long is terminated, 1 to 10080 (default 15).';
COMMENT ON COLUMN conflag.jobs.notify_on_completion IS 'E-mail when a run succeeds: ''off'' (default), ''every_time'' or ''first_consecutive'' (only the first of consecutive successes).';
COMMENT ON COLUMN conflag.jobs.notify_on_failure IS 'E-mail when a run fails: ''off'' (default), ''every_time'' or ''first_consecutive'' (only the first of consecutive failures).';
COMMENT ON COLUMN conflag.jobs.notify_emails IS 'Comma-separated e-mail addresses for the notifications; required when a notify_on_* is not ''off''.';
COMMENT ON COLUMN conflag.jobs.schedule IS '''manual'' (default, runs only on request_run), ''hourly'', ''daily'', ''weekly'', ''monthly'', or a 5-field crontab such as ''*/5 * * * *'', in the job''s timezone. conflag.schedule_cron() gives the crontab.';
COMMENT ON COLUMN conflag.jobs.enabled IS 'false pauses the job: it keeps its settings and is not scheduled (conflag.request_run() still runs it).';
COMMENT ON COLUMN conflag.jobs.created_at IS 'When the job was created; cannot be changed.';
COMMENT ON COLUMN conflag.jobs.updated_at IS 'When the job was last changed; set by the validation trigger.';

-- Backstops for the simple rules, in case the trigger is bypassed (session_replication_role = replica);
-- the trigger runs first and gives the clearer message.
ALTER TABLE conflag.jobs
  ADD CONSTRAINT jobs_name_check CHECK (btrim(name, E' \t\r\n') <> '' AND length(name) <= 200),
  ADD CONSTRAINT jobs_access_scope_check CHECK (cardinality(access_scope) > 0 AND array_position(access_scope, NULL) IS NULL),
  ADD CONSTRAINT jobs_mode_check CHECK (mode IN ('full', 'incremental')),
  ADD CONSTRAINT jobs_action_check CHECK (action IN ('set', 'clear')),
  ADD CONSTRAINT jobs_keep_history_days_check CHECK (keep_history_days BETWEEN 1 AND 36500),
  ADD CONSTRAINT jobs_execution_time_limit_minutes_check CHECK (execution_time_limit_minutes BETWEEN 1 AND 10080),
  ADD CONSTRAINT jobs_keep_alive_timeout_minutes_check CHECK (keep_alive_timeout_minutes BETWEEN 1 AND 10080),
  ADD CONSTRAINT jobs_notify_on_completion_check CHECK (notify_on_completion IN ('off', 'every_time', 'first_consecutive')),
  ADD CONSTRAINT jobs_notify_on_failure_check CHECK (notify_on_failure IN ('off', 'every_time', 'first_consecutive')),
  ADD CONSTRAINT jobs_condition_check CHECK (jsonb_typeof(condition) = 'object');

-- ---------------------------------------------------------------------------------------------------------
-- Audit: one row per change of a job, kept after the job is deleted (no foreign key on purpose).
CREATE TABLE conflag.job_changes (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id     bigint NOT NULL,
  operation  text NOT NULL CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
  changed_by text NOT NULL DEFAULT current_user,
  changed_at timestamptz NOT NULL DEFAULT now(),
  old_row    jsonb,
  new_row    jsonb
);
CREATE INDEX job_changes_job_id_idx ON conflag.job_changes (job_id, changed_at);
COMMENT ON TABLE conflag.job_changes IS 'Audit of conflag.jobs: one row per inserted, updated or deleted job, written by a trigger; kept after the job is deleted. Read-only.';
COMMENT ON COLUMN conflag.job_changes.id IS 'Change id (identity); orders changes within one transaction.';
COMMENT ON COLUMN conflag.job_changes.job_id IS 'The job changed (conflag.jobs.id; the job may since have been deleted).';
COMMENT ON COLUMN conflag.job_changes.operation IS 'INSERT, UPDATE or DELETE.';
COMMENT ON COLUMN conflag.job_changes.changed_by IS 'current_user of the change (the role in effect, e.g. after SET ROLE).';
COMMENT ON COLUMN conflag.job_changes.changed_at IS 'Start of the transaction that made the change.';
COMMENT ON COLUMN conflag.job_changes.old_row IS 'The job before the change (NULL for INSERT).';
COMMENT ON COLUMN conflag.job_changes.new_row IS 'The job after the change (NULL for DELETE).';

-- ---------------------------------------------------------------------------------------------------------
-- System settings: exactly one row (a unique index on a constant, and triggers refusing a second row or a
-- delete). REPLICA IDENTITY FULL because the table has no primary key and must still replicate updates.
CREATE TABLE conflag.settings (
  portal_url       text,
  email_enabled    boolean NOT NULL DEFAULT false,
  email_from       text,
  default_timezone text,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX settings_one_row ON conflag.settings ((true));
ALTER TABLE conflag.settings REPLICA IDENTITY FULL;
COMMENT ON TABLE conflag.settings IS 'System settings, exactly one row: change it with UPDATE conflag.settings SET ... (no WHERE needed). Validated (CF021, CF022).';
COMMENT ON COLUMN conflag.settings.portal_url IS 'Base URL of the web portal; e-mails link to job details under it. NULL = unset (the runner then logs a warning).';
COMMENT ON COLUMN conflag.settings.email_enabled IS 'Send job notification e-mails (default false). Requires email_from.';
COMMENT ON COLUMN conflag.settings.email_from IS 'Sender of notification e-mails: an address, or Name <address>.';
COMMENT ON COLUMN conflag.settings.default_timezone IS 'Time zone of jobs whose timezone is NULL (a pg_timezone_names name); NULL = the server''s TimeZone setting.';
COMMENT ON COLUMN conflag.settings.updated_at IS 'When the settings were last changed; set by a trigger.';

-- ---------------------------------------------------------------------------------------------------------
-- Manual run requests: conflag.request_run() inserts one, the runner picks it up and links the run.
CREATE TABLE conflag.run_requests (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id       bigint NOT NULL REFERENCES conflag.jobs (id) ON DELETE CASCADE,
  requested_at timestamptz NOT NULL DEFAULT now(),
  requested_by text NOT NULL DEFAULT current_user,
  picked_up_at timestamptz,
  run_id       bigint
);
CREATE INDEX run_requests_job_id_idx ON conflag.run_requests (job_id);
CREATE INDEX run_requests_waiting_idx ON conflag.run_requests (requested_at) WHERE picked_up_at IS NULL;
COMMENT ON TABLE conflag.run_requests IS 'Requests for a manual run of a job, made with conflag.request_run(); the runner sets picked_up_at and run_id. Deleted with their job.';
COMMENT ON COLUMN conflag.run_requests.id IS 'Request id (identity), returned by conflag.request_run().';
COMMENT ON COLUMN conflag.run_requests.job_id IS 'The job to run (conflag.jobs.id).';
COMMENT ON COLUMN conflag.run_requests.requested_at IS 'When the run was requested.';
COMMENT ON COLUMN conflag.run_requests.requested_by IS 'current_user of the request.';
COMMENT ON COLUMN conflag.run_requests.picked_up_at IS 'When the runner took the request; NULL while waiting.';
COMMENT ON COLUMN conflag.run_requests.run_id IS 'The run started for the request (job_runs.id).';

-- ---------------------------------------------------------------------------------------------------------
-- Trigger functions.

-- BEFORE INSERT OR UPDATE trigger on conflag.jobs: refuses an invalid job with a CF0xx/CF1xx error naming the
-- column, the offending value and what is allowed, and keeps updated_at. On UPDATE only the columns that
-- change are checked (plus rules across columns they take part in), so a job whose condition a later catalog
-- change made invalid can still be paused or renamed.
CREATE OR REPLACE FUNCTION conflag.jobs_validate()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  v_new     jsonb := to_jsonb(NEW);
  v_old     jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END;
  v_column  text;
  v_allowed text;
  v_item    text;
  v_other   record;
  v_problem text;
BEGIN
  -- A clear message for NULL in a required column, before the NOT NULL constraint's generic one.
  FOR v_column, v_allowed IN
    VALUES ('name', 'give the job a distinctive name'),
           ('mode', 'use ''full'' or ''incremental'''),
           ('condition', 'write a condition such as {"all": [{"fact": "duration", "operator": "greaterThan", "value": 7200}]}'),
           ('action', 'use ''set'' or ''clear'''),
           ('log_enabled', 'use true or false'),
           ('keep_history_days', 'use a whole number of days from 1 to 36500 (default 60)'),
           ('keep_alive_timeout_minutes', 'use a whole number of minutes from 1 to 10080 (default 15)'),
           ('notify_on_completion', 'use ''off'', ''every_time'' or ''first_consecutive'''),
           ('notify_on_failure', 'use ''off'', ''every_time'' or ''first_consecutive'''),
           ('schedule', 'use manual, hourly, daily, weekly, monthly or a 5-field crontab'),
           ('enabled', 'use true or false'),
           ('created_at', 'leave it to its default now()')
  LOOP
    IF v_new -> v_column = 'null'::jsonb THEN
      RAISE EXCEPTION 'jobs.%: NULL is not allowed; %', v_column, v_allowed USING ERRCODE = 'CF001';
    END IF;
  END LOOP;

  IF TG_OP = 'UPDATE' AND NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    RAISE EXCEPTION 'jobs.created_at: % cannot be changed (it stays %)', to_jsonb(NEW.created_at), to_jsonb(OLD.created_at)
      USING ERRCODE = 'CF014';
  END IF;

  IF TG_OP = 'INSERT' OR NEW.name IS DISTINCT FROM OLD.name THEN
    IF btrim(NEW.name, E' \t\r\n') = '' THEN
      RAISE EXCEPTION 'jobs.name: % is empty; give the job a distinctive name', to_jsonb(NEW.name) USING ERRCODE = 'CF002';
    END IF;
    IF length(NEW.name) > 200 THEN
      RAISE EXCEPTION 'jobs.name: % is % characters long; at most 200 are allowed', conflag.json_for_message(to_jsonb(NEW.name)), length(NEW.name)
        USING ERRCODE = 'CF002';
    END IF;
    SELECT id, name INTO v_other FROM conflag.jobs WHERE lower(name) = lower(NEW.name) AND id <> NEW.id;
    IF FOUND THEN
      RAISE EXCEPTION 'jobs.name: % is already taken by job % (%); job names are unique ignoring case', to_jsonb(NEW.name), v_other.id, to_jsonb(v_other.name)
        USING ERRCODE = 'CF003',
              HINT = 'Choose another name, or change that job. INSERT ... ON CONFLICT cannot be used on jobs (this check runs first); use MERGE or INSERT ... WHERE NOT EXISTS.';
    END IF;
  END IF;

  IF TG_OP = 'INSERT' OR NEW.access_scope IS DISTINCT FROM OLD.access_scope THEN
    IF NEW.access_scope IS NOT NULL THEN
      IF cardinality(NEW.access_scope) = 0 THEN
        RAISE EXCEPTION 'jobs.access_scope: {} is empty; list tenant ids, or use NULL for all tenants' USING ERRCODE = 'CF004';
      END IF;
      IF array_ndims(NEW.access_scope) > 1 THEN
        RAISE EXCEPTION 'jobs.access_scope: % has % dimensions; use a flat list of tenant ids such as {acme,globex}', to_jsonb(NEW.access_scope), array_ndims(NEW.access_scope)
          USING ERRCODE = 'CF004';
      END IF;
      IF array_position(NEW.access_scope, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'jobs.access_scope: % contains NULL; list tenant ids only', conflag.json_for_message(to_jsonb(NEW.access_scope)) USING ERRCODE = 'CF004';
      END IF;
      SELECT t INTO v_item FROM unnest(NEW.access_scope) AS t GROUP BY t HAVING count(*) > 1 ORDER BY t LIMIT 1;
      IF v_item IS NOT NULL THEN
        RAISE EXCEPTION 'jobs.access_scope: % lists tenant % more than once', conflag.json_for_message(to_jsonb(NEW.access_scope)), to_jsonb(v_item)
          USING ERRCODE = 'CF004';
      END IF;
      -- KEY SHARE locks keep the tenants from being deleted until this transaction ends.
      PERFORM 1 FROM conflag.tenants WHERE id = ANY (NEW.access_scope) FOR KEY SHARE;
      SELECT t INTO v_item FROM unnest(NEW.access_scope) WITH ORDINALITY AS s (t, n)
       WHERE NOT EXISTS (SELECT 1 FROM conflag.tenants WHERE id = s.t) ORDER BY n LIMIT 1;
      IF v_item IS NOT NULL THEN
        RAISE EXCEPTION 'jobs.access_scope: tenant % does not exist; known tenants: %', to_jsonb(v_item),
          (SELECT string_agg(id, ', ' ORDER BY id) FROM (SELECT id FROM conflag.tenants ORDER BY id LIMIT 50) AS k)
          USING ERRCODE = 'CF005', HINT = 'Add it to conflag.tenants first, or correct the id. SELECT id, name FROM conflag.tenants lists them.';
      END IF;
    END IF;
  END IF;

  IF NEW.mode NOT IN ('full', 'incremental') THEN
    RAISE EXCEPTION 'jobs.mode: % is not a mode; use ''full'' (every run looks at all recordings) or ''incremental'' (each run skips recordings earlier runs processed)',
      conflag.json_for_message(to_jsonb(NEW.mode)) USING ERRCODE = 'CF006';
  END IF;

  IF TG_OP = 'INSERT' OR NEW.condition IS DISTINCT FROM OLD.condition THEN
    PERFORM conflag.validate_condition(NEW.condition);
  END IF;

  IF NEW.action NOT IN ('set', 'clear') THEN
    RAISE EXCEPTION 'jobs.action: % is not an action; use ''set'' or ''clear'' (the confidential flag)', conflag.json_for_message(to_jsonb(NEW.action))
      USING ERRCODE = 'CF007';
  END IF;

  IF TG_OP = 'INSERT' OR NEW.timezone IS DISTINCT FROM OLD.timezone THEN
    v_problem := conflag.timezone_problem(NEW.timezone);
    IF v_problem IS NOT NULL THEN
      RAISE EXCEPTION 'jobs.timezone: %; or NULL for the default (conflag.settings.default_timezone)', v_problem USING ERRCODE = 'CF008';
    END IF;
  END IF;

  FOR v_column, v_item, v_allowed IN
    VALUES ('keep_history_days', NEW.keep_history_days::text, 36500),
           ('execution_time_limit_minutes', NEW.execution_time_limit_minutes::text, 10080),
           ('keep_alive_timeout_minutes', NEW.keep_alive_timeout_minutes::text, 10080)
  LOOP
    IF v_item::integer NOT BETWEEN 1 AND v_allowed::integer THEN
      RAISE EXCEPTION 'jobs.%: % is not allowed; use a whole number of % from 1 to %', v_column, v_item,
        CASE WHEN v_column LIKE '%days' THEN 'days' ELSE 'minutes' END,
        v_allowed || CASE WHEN v_column = 'execution_time_limit_minutes' THEN ', or NULL for no limit' ELSE '' END
        USING ERRCODE = 'CF009';
    END IF;
  END LOOP;

  FOR v_column, v_item IN VALUES ('notify_on_completion', NEW.notify_on_completion), ('notify_on_failure', NEW.notify_on_failure) LOOP
    IF v_item NOT IN ('off', 'every_time', 'first_consecutive') THEN
      RAISE EXCEPTION 'jobs.%: % is not allowed; use ''off'', ''every_time'' or ''first_consecutive'' (only the first of consecutive runs with the same outcome)',
        v_column, conflag.json_for_message(to_jsonb(v_item)) USING ERRCODE = 'CF010';
    END IF;
  END LOOP;

  IF TG_OP = 'INSERT' OR NEW.notify_emails IS DISTINCT FROM OLD.notify_emails THEN
    IF length(NEW.notify_emails) > 4000 THEN
      RAISE EXCEPTION 'jobs.notify_emails: % is % characters long; at most 4000 are allowed', conflag.json_for_message(to_jsonb(NEW.notify_emails)), length(NEW.notify_emails)
        USING ERRCODE = 'CF011';
    END IF;
    IF NEW.notify_emails IS NOT NULL AND btrim(NEW.notify_emails, E' \t\r\n') <> '' THEN
      FOREACH v_item IN ARRAY string_to_array(NEW.notify_emails, ',') LOOP
        IF NOT conflag.is_email_address(btrim(v_item, E' \t\r\n')) THEN
          RAISE EXCEPTION 'jobs.notify_emails: % is not an e-mail address%; write addresses such as ops@example.com, separated by commas',
            conflag.json_for_message(to_jsonb(btrim(v_item, E' \t\r\n'))),
            CASE WHEN btrim(v_item, E' \t\r\n') = '' THEN ' (an empty item between commas)' ELSE '' END
            USING ERRCODE = 'CF011';
        END IF;
      END LOOP;
    END IF;
  END IF;
  IF (NEW.notify_on_completion <> 'off' OR NEW.notify_on_failure <> 'off') AND btrim(COALESCE(NEW.notify_emails, ''), E' \t\r\n') = '' THEN
    RAISE EXCEPTION 'jobs.notify_emails: % but notify_on_completion is % and notify_on_failure is %; list at least one address, or set both to ''off''',
      CASE WHEN NEW.notify_emails IS NULL THEN 'NULL' ELSE 'empty' END, to_jsonb(NEW.notify_on_completion), to_jsonb(NEW.notify_on_failure)
      USING ERRCODE = 'CF012';
  END IF;

  IF TG_OP = 'INSERT' OR NEW.schedule IS DISTINCT FROM OLD.schedule THEN
    PERFORM conflag.schedule_cron(NEW.schedule);
  END IF;

  NEW.updated_at := now();
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION conflag.jobs_validate() IS 'Trigger (BEFORE INSERT OR UPDATE on conflag.jobs): refuses invalid jobs with CF0xx/CF1xx errors naming the column, the value and what is allowed; sets updated_at. See docs/errors.md.';

-- AFTER trigger on conflag.jobs: keeps every change in conflag.job_changes (who, when, the row before and
-- after). Runs with the privileges of the user making the change, so changed_by is that user's current_user.
CREATE OR REPLACE FUNCTION conflag.jobs_audit()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  INSERT INTO conflag.job_changes (job_id, operation, old_row, new_row)
  VALUES (CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END,
          TG_OP,
          CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END,
          CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.jobs_audit() IS 'Trigger (AFTER INSERT OR UPDATE OR DELETE on conflag.jobs): writes one conflag.job_changes row per changed job.';

-- AFTER trigger on conflag.jobs: tells listeners (the runner) which job changed, so it can reschedule it at
-- once. PostgreSQL delivers the notification at commit, and folds identical ones within one transaction.
CREATE OR REPLACE FUNCTION conflag.jobs_notify()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM pg_notify('conflag_jobs', format('{"op":"%s","id":%s}', TG_OP, CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END));
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.jobs_notify() IS 'Trigger (AFTER INSERT OR UPDATE OR DELETE on conflag.jobs): NOTIFY conflag_jobs with {"op":"INSERT|UPDATE|DELETE","id":N}.';

-- BEFORE INSERT OR UPDATE trigger on conflag.job_changes: audit rows come only from the trigger on
-- conflag.jobs (then this trigger runs nested, pg_trigger_depth() > 1) and are never edited, so a user
-- allowed to change jobs cannot forge or rewrite their history.
CREATE OR REPLACE FUNCTION conflag.job_changes_guard()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'job_changes: audit row % cannot be changed', OLD.id
      USING ERRCODE = 'CF023', HINT = 'Audit rows are written by the trigger on conflag.jobs and kept as they are.';
  END IF;
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'job_changes: rows are written only by the trigger on conflag.jobs, not directly (job_id %)', NEW.job_id
      USING ERRCODE = 'CF023', HINT = 'Change conflag.jobs instead; each change is recorded here.';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION conflag.job_changes_guard() IS 'Trigger (BEFORE INSERT OR UPDATE on conflag.job_changes): refuses rows not written by the jobs audit trigger, and any update (CF023).';

-- BEFORE DELETE / UPDATE / TRUNCATE trigger on conflag.tenants: a tenant named in a job's access_scope cannot
-- be deleted or renamed, or the job would silently stop covering it (or cover nothing).
CREATE OR REPLACE FUNCTION conflag.tenants_protect_scopes()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  v_jobs text;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    SELECT string_agg(format('%s (%s)', id, to_jsonb(name)), ', ' ORDER BY id) INTO v_jobs
      FROM (SELECT id, name FROM conflag.jobs WHERE access_scope IS NOT NULL ORDER BY id LIMIT 10) AS j;
    IF v_jobs IS NOT NULL THEN
      RAISE EXCEPTION 'tenants: cannot be truncated while jobs list tenants in their access_scope: jobs %', v_jobs
        USING ERRCODE = 'CF020';
    END IF;
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
    RETURN NEW;
  END IF;
  SELECT string_agg(format('%s (%s)', id, to_jsonb(name)), ', ' ORDER BY id) INTO v_jobs
    FROM (SELECT id, name FROM conflag.jobs WHERE OLD.id = ANY (access_scope) ORDER BY id LIMIT 10) AS j;
  IF v_jobs IS NOT NULL THEN
    RAISE EXCEPTION 'tenants.id: % cannot be % while jobs list it in their access_scope: jobs %', to_jsonb(OLD.id),
      CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'renamed' END, v_jobs
      USING ERRCODE = 'CF020', HINT = 'Remove the tenant from those jobs'' access_scope first (UPDATE conflag.jobs SET access_scope = array_remove(access_scope, ...)).';
  END IF;
  RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION conflag.tenants_protect_scopes() IS 'Trigger (BEFORE DELETE, UPDATE OF id, TRUNCATE on conflag.tenants): refuses to remove or rename a tenant that a job''s access_scope names (CF020).';

-- BEFORE INSERT OR UPDATE trigger on conflag.settings: keeps the table at one row and refuses invalid values
-- with CF021/CF022 errors naming the column, the value and what is allowed; sets updated_at.
CREATE OR REPLACE FUNCTION conflag.settings_validate()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  v_problem text;
BEGIN
  IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM conflag.settings) THEN
    RAISE EXCEPTION 'settings: the table has exactly one row; change it with UPDATE conflag.settings SET ... instead of inserting another'
      USING ERRCODE = 'CF021';
  END IF;
  IF NEW.email_enabled IS NULL THEN
    RAISE EXCEPTION 'settings.email_enabled: NULL is not allowed; use true or false' USING ERRCODE = 'CF022';
  END IF;
  IF NEW.portal_url IS NOT NULL
     AND (length(NEW.portal_url) > 2000 OR NEW.portal_url !~ '^https?://[^[:space:]/?#@]+(:[0-9]{1,5})?([/?#][^[:space:]]*)?$') THEN
    RAISE EXCEPTION 'settings.portal_url: % is not a web address; use an http:// or https:// URL such as https://recordings.example.com, or NULL while there is none',
      conflag.json_for_message(to_jsonb(NEW.portal_url)) USING ERRCODE = 'CF022';
  END IF;
  IF NEW.email_from IS NOT NULL
     AND NOT conflag.is_email_address(NEW.email_from)
     AND NOT conflag.is_email_address(substring(NEW.email_from FROM '^[^<>"]*<([^<>]*)>$')) THEN
    RAISE EXCEPTION 'settings.email_from: % is not a sender address; use an address such as conflag@example.com or Conflag <conflag@example.com>',
      conflag.json_for_message(to_jsonb(NEW.email_from)) USING ERRCODE = 'CF022';
  END IF;
  IF NEW.email_enabled AND NEW.email_from IS NULL THEN
    RAISE EXCEPTION 'settings.email_from: NULL is not allowed while email_enabled is true; set a sender address such as conflag@example.com'
      USING ERRCODE = 'CF022';
  END IF;
  v_problem := conflag.timezone_problem(NEW.default_timezone);
  IF v_problem IS NOT NULL THEN
    RAISE EXCEPTION 'settings.default_timezone: %; or NULL for the server''s TimeZone', v_problem USING ERRCODE = 'CF022';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION conflag.settings_validate() IS 'Trigger (BEFORE INSERT OR UPDATE on conflag.settings): one row only (CF021), valid values (CF022); sets updated_at.';

-- BEFORE DELETE / TRUNCATE trigger on conflag.settings: the one settings row is edited, never removed, so
-- every reader can rely on SELECT ... FROM conflag.settings returning exactly one row.
CREATE OR REPLACE FUNCTION conflag.settings_keep_one_row()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION 'settings: the one settings row cannot be removed; set a column to NULL (or false) to unset it'
    USING ERRCODE = 'CF021';
END
$$;
COMMENT ON FUNCTION conflag.settings_keep_one_row() IS 'Trigger (BEFORE DELETE, TRUNCATE on conflag.settings): refuses to remove the settings row (CF021).';

-- Asks the runner for a manual run of a job, given by name (any case) or by id. The request is a row in
-- conflag.run_requests; its insert trigger notifies the runner. A disabled job may still be run this way.
CREATE OR REPLACE FUNCTION conflag.request_run(p_job text)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  v_job_id     bigint;
  v_request_id bigint;
BEGIN
  -- By name first: names are unique ignoring case, so a job named "42" is found before job id 42.
  SELECT id INTO v_job_id FROM conflag.jobs WHERE lower(name) = lower(p_job);
  IF v_job_id IS NULL AND p_job ~ '^\s*[0-9]{1,18}\s*$' THEN
    SELECT id INTO v_job_id FROM conflag.jobs WHERE id = btrim(p_job)::bigint;
  END IF;
  IF v_job_id IS NULL THEN
    RAISE EXCEPTION 'request_run: no job is named %, nor has that id', COALESCE(to_jsonb(p_job)::text, 'NULL')
      USING ERRCODE = 'CF030', HINT = 'SELECT id, name FROM conflag.jobs lists the jobs.';
  END IF;
  INSERT INTO conflag.run_requests (job_id) VALUES (v_job_id) RETURNING id INTO v_request_id;
  RETURN v_request_id;
END
$$;
COMMENT ON FUNCTION conflag.request_run(text) IS 'Requests a manual run of a job given by name (case-insensitive) or id, also when the job is disabled; returns the conflag.run_requests id. The runner picks it up (NOTIFY conflag_run_requests). Raises CF030 for an unknown job.';

-- AFTER INSERT trigger on conflag.run_requests: wakes the runner for a new manual run request, whether it
-- came from conflag.request_run() or from a direct INSERT.
CREATE OR REPLACE FUNCTION conflag.run_requests_notify()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM pg_notify('conflag_run_requests', format('{"request_id":%s,"job_id":%s}', NEW.id, NEW.job_id));
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.run_requests_notify() IS 'Trigger (AFTER INSERT on conflag.run_requests): NOTIFY conflag_run_requests with {"request_id":N,"job_id":M}.';

-- ---------------------------------------------------------------------------------------------------------
-- Triggers.
CREATE TRIGGER jobs_validate BEFORE INSERT OR UPDATE ON conflag.jobs
  FOR EACH ROW EXECUTE FUNCTION conflag.jobs_validate();
CREATE TRIGGER jobs_audit AFTER INSERT OR UPDATE OR DELETE ON conflag.jobs
  FOR EACH ROW EXECUTE FUNCTION conflag.jobs_audit();
CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE OR DELETE ON conflag.jobs
  FOR EACH ROW EXECUTE FUNCTION conflag.jobs_notify();
CREATE TRIGGER job_changes_guard BEFORE INSERT OR UPDATE ON conflag.job_changes
  FOR EACH ROW EXECUTE FUNCTION conflag.job_changes_guard();
CREATE TRIGGER tenants_protect_scopes BEFORE DELETE OR UPDATE OF id ON conflag.tenants
  FOR EACH ROW EXECUTE FUNCTION conflag.tenants_protect_scopes();
CREATE TRIGGER tenants_protect_scopes_truncate BEFORE TRUNCATE ON conflag.tenants
  FOR EACH STATEMENT EXECUTE FUNCTION conflag.tenants_protect_scopes();
CREATE TRIGGER settings_validate BEFORE INSERT OR UPDATE ON conflag.settings
  FOR EACH ROW EXECUTE FUNCTION conflag.settings_validate();
CREATE TRIGGER settings_keep_one_row BEFORE DELETE ON conflag.settings
  FOR EACH ROW EXECUTE FUNCTION conflag.settings_keep_one_row();
CREATE TRIGGER settings_keep_one_row_truncate BEFORE TRUNCATE ON conflag.settings
  FOR EACH STATEMENT EXECUTE FUNCTION conflag.settings_keep_one_row();
CREATE TRIGGER run_requests_notify AFTER INSERT ON conflag.run_requests
  FOR EACH ROW EXECUTE FUNCTION conflag.run_requests_notify();

INSERT INTO conflag.settings DEFAULT VALUES;

-- ---------------------------------------------------------------------------------------------------------
-- Roles. Cluster-wide, so created only when missing (and tolerant of a concurrent migration creating them);
-- the down migration revokes this migration's grants but leaves the roles, which other databases may use.
DO $$
DECLARE
  v_role text;
BEGIN
  FOREACH v_role IN ARRAY ARRAY['conflag_admin', 'conflag_runner', 'conflag_reporting'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END;
    END IF;
  END LOOP;
END
$$;

GRANT USAGE ON SCHEMA conflag TO conflag_admin, conflag_runner, conflag_reporting;

-- conflag_admin: manages jobs, settings and tenants, requests runs, reads the audit. The INSERT on
-- job_changes is what the audit trigger (running as the admin) needs; job_changes_guard refuses direct rows.
GRANT SELECT, INSERT, UPDATE, DELETE ON conflag.jobs TO conflag_admin;
GRANT SELECT, UPDATE ON conflag.settings TO conflag_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON conflag.tenants TO conflag_admin;
GRANT SELECT ON conflag.attributes, conflag.operators TO conflag_admin;
GRANT SELECT, INSERT ON conflag.job_changes TO conflag_admin;
GRANT SELECT, INSERT ON conflag.run_requests TO conflag_admin;
REVOKE EXECUTE ON FUNCTION conflag.request_run(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.request_run(text) TO conflag_admin;

-- conflag_runner: reads what a run needs; on recordings it may change only the flag and its two audit columns.
GRANT SELECT ON conflag.recordings, conflag.jobs, conflag.settings, conflag.attributes, conflag.operators, conflag.tenants TO conflag_runner;
GRANT UPDATE (confidential, confidential_changed_at, confidential_changed_by_run) ON conflag.recordings TO conflag_runner;
GRANT SELECT, UPDATE (picked_up_at, run_id) ON conflag.run_requests TO conflag_runner;

-- conflag_reporting: reads jobs and their history (later migrations grant their run history and views).
GRANT SELECT ON conflag.jobs, conflag.job_changes TO conflag_reporting;

-- Down Migration

REVOKE SELECT ON conflag.jobs, conflag.job_changes FROM conflag_reporting;
REVOKE SELECT, UPDATE (picked_up_at, run_id) ON conflag.run_requests FROM conflag_runner;
REVOKE UPDATE (confidential, confidential_changed_at, confidential_changed_by_run) ON conflag.recordings FROM conflag_runner;
REVOKE SELECT ON conflag.recordings, conflag.jobs, conflag.settings, conflag.attributes, conflag.operators, conflag.tenants FROM conflag_runner;
REVOKE EXECUTE ON FUNCTION conflag.request_run(text) FROM conflag_admin;
REVOKE SELECT, INSERT ON conflag.run_requests FROM conflag_admin;
REVOKE SELECT, INSERT ON conflag.job_changes FROM conflag_admin;
REVOKE SELECT ON conflag.attributes, conflag.operators FROM conflag_admin;
REVOKE SELECT, INSERT, UPDATE, DELETE ON conflag.tenants FROM conflag_admin;
REVOKE SELECT, UPDATE ON conflag.settings FROM conflag_admin;
REVOKE SELECT, INSERT, UPDATE, DELETE ON conflag.jobs FROM conflag_admin;
REVOKE USAGE ON SCHEMA conflag FROM conflag_admin, conflag_runner, conflag_reporting;

DROP TRIGGER run_requests_notify ON conflag.run_requests;
DROP TRIGGER settings_keep_one_row_truncate ON conflag.settings;
DROP TRIGGER settings_keep_one_row ON conflag.settings;
DROP TRIGGER settings_validate ON conflag.settings;
DROP TRIGGER tenants_protect_scopes_truncate ON conflag.tenants;
DROP TRIGGER tenants_protect_scopes ON conflag.tenants;
DROP TRIGGER job_changes_guard ON conflag.job_changes;
DROP TRIGGER jobs_notify ON conflag.jobs;
DROP TRIGGER jobs_audit ON conflag.jobs;
DROP TRIGGER jobs_validate ON conflag.jobs;

DROP FUNCTION conflag.run_requests_notify();
DROP FUNCTION conflag.request_run(text);
DROP FUNCTION conflag.settings_keep_one_row();
DROP FUNCTION conflag.settings_validate();
DROP FUNCTION conflag.tenants_protect_scopes();
DROP FUNCTION conflag.job_changes_guard();
DROP FUNCTION conflag.jobs_notify();
DROP FUNCTION conflag.jobs_audit();
DROP FUNCTION conflag.jobs_validate();

DROP TABLE conflag.run_requests;
DROP TABLE conflag.settings;
DROP TABLE conflag.job_changes;

ALTER TABLE conflag.jobs
  DROP CONSTRAINT jobs_condition_check,
  DROP CONSTRAINT jobs_notify_on_failure_check,
  DROP CONSTRAINT jobs_notify_on_completion_check,
  DROP CONSTRAINT jobs_keep_alive_timeout_minutes_check,
  DROP CONSTRAINT jobs_execution_time_limit_minutes_check,
  DROP CONSTRAINT jobs_keep_history_days_check,
  DROP CONSTRAINT jobs_action_check,
  DROP CONSTRAINT jobs_mode_check,
  DROP CONSTRAINT jobs_access_scope_check,
  DROP CONSTRAINT jobs_name_check;
COMMENT ON COLUMN conflag.jobs.updated_at IS NULL;
COMMENT ON COLUMN conflag.jobs.created_at IS NULL;
COMMENT ON COLUMN conflag.jobs.enabled IS NULL;
COMMENT ON COLUMN conflag.jobs.schedule IS NULL;
COMMENT ON COLUMN conflag.jobs.notify_emails IS NULL;
COMMENT ON COLUMN conflag.jobs.notify_on_failure IS NULL;
COMMENT ON COLUMN conflag.jobs.notify_on_completion IS NULL;
COMMENT ON COLUMN conflag.jobs.keep_alive_timeout_minutes IS NULL;
COMMENT ON COLUMN conflag.jobs.execution_time_limit_minutes IS NULL;
COMMENT ON COLUMN conflag.jobs.timezone IS NULL;
COMMENT ON COLUMN conflag.jobs.keep_history_days IS NULL;
COMMENT ON COLUMN conflag.jobs.log_enabled IS NULL;
COMMENT ON COLUMN conflag.jobs.action IS NULL;
COMMENT ON COLUMN conflag.jobs.condition IS NULL;
COMMENT ON COLUMN conflag.jobs.mode IS NULL;
COMMENT ON COLUMN conflag.jobs.access_scope IS NULL;
COMMENT ON COLUMN conflag.jobs.name IS NULL;
COMMENT ON COLUMN conflag.jobs.id IS NULL;
COMMENT ON TABLE conflag.jobs IS NULL;

DROP FUNCTION conflag.validate_condition(jsonb);
DROP FUNCTION conflag.validate_condition_node(jsonb, text, integer, integer);
DROP FUNCTION conflag.validate_condition_leaf(jsonb, text);
DROP FUNCTION conflag.condition_value_problem(jsonb, text, text);
DROP FUNCTION conflag.schedule_cron(text);
DROP FUNCTION conflag.crontab_field_problem(text, integer, integer, text[]);
DROP FUNCTION conflag.timezone_problem(text);
DROP FUNCTION conflag.is_email_address(text);
DROP FUNCTION conflag.json_for_message(jsonb);
