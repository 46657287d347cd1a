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
  -- A job copied from elsewhere may keep its creation time; one at infinity or in the future never was.
  IF TG_OP = 'INSERT' AND (NOT isfinite(NEW.created_at) OR NEW.created_at > clock_timestamp()) THEN
    RAISE EXCEPTION 'jobs.created_at: % is not a time a job can have been created; leave it to its default now(), or give the real creation time (not in the future)',
      to_jsonb(NEW.created_at) USING ERRCODE = 'CF014';
  END IF;

  IF TG_OP = 'INSERT' OR NEW.name IS DISTINCT FROM OLD.name THEN
    IF btrim(NEW.name, E' \t\r\n') = '' THEN
      RAISE EXCEPTION 'jobs.name: % is empty; give the job a distinctive name', to_jsonb(NEW.name) USING ERRCODE = 'CF002';
    END IF;
    -- Only invisible characters (Unicode spaces, NBSP, zero-width and format characters, controls): a name nobody
    -- can read or tell apart. The message spells them out, since they would not show.
    IF NEW.name !~ '[^\x01-\x20\x7f-\xa0\xad\u034f\u061c\u115f\u1160\u1680\u17b4\u17b5\u180b-\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0]' THEN
      RAISE EXCEPTION 'jobs.name: % has no visible character (it is %); give the job a distinctive name', to_jsonb(NEW.name),
        (SELECT string_agg(format('U+%s', upper(lpad(to_hex(ascii(c)), 4, '0'))), ' ') FROM regexp_split_to_table(left(NEW.name, 20), '') AS c)
        USING ERRCODE = 'CF002';
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
           ('keep_alive_timeout_minutes', NEW.keep_alive_timeout_minutes::text, 10080),
           ('parallelism', NEW.parallelism::text, 16)
  LOOP
    IF v_item::integer NOT BETWEEN 1 AND v_allowed::integer THEN
      RAISE EXCEPTION 'jobs.%: % is not allowed; use a whole number of % from 1 to %', v_column, v_item,
        CASE WHEN v_column LIKE '%days' THEN 'days' WHEN v_column = 'parallelism' THEN 'connections' ELSE 'minutes' END,
        v_allowed || CASE WHEN v_column = 'execution_time_limit_minutes' THEN ', or NULL for no limit'
                          WHEN v_column = 'parallelism' THEN ', or NULL for the runner''s CONFLAG_RUN_PARALLELISM (default 2)' ELSE '' END
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
            CASE WHEN btrim(v_item, E' \t\r\n') = '' THEN ' (an empty item between commas)'
                 WHEN length(split_part(btrim(v_item, E' \t\r\n'), '@', 1)) > 64
                   THEN format(' (%s characters before the @; at most 64 are allowed)', length(split_part(btrim(v_item, E' \t\r\n'), '@', 1)))
                 WHEN length(btrim(v_item, E' \t\r\n')) > 254
                   THEN format(' (%s characters; at most 254 are allowed)', length(btrim(v_item, E' \t\r\n')))
                 ELSE '' END
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
