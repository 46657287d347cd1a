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
  IF NEW.keep_failed_runs_days IS NULL OR NEW.keep_failed_runs_days NOT BETWEEN 1 AND 36500 THEN
    RAISE EXCEPTION 'settings.keep_failed_runs_days: % is not valid; use a whole number of days from 1 to 36500 (default 180)',
      coalesce(NEW.keep_failed_runs_days::text, 'NULL') USING ERRCODE = 'CF022';
  END IF;
  IF NEW.keep_flag_history_days IS NULL OR NEW.keep_flag_history_days NOT BETWEEN 1 AND 36500 THEN
    RAISE EXCEPTION 'settings.keep_flag_history_days: % is not valid; use a whole number of days from 1 to 36500 (default 365)',
      coalesce(NEW.keep_flag_history_days::text, 'NULL') USING ERRCODE = 'CF022';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION conflag.settings_validate() IS 'Trigger (BEFORE INSERT OR UPDATE on conflag.settings): one row only (CF021), valid values (CF022); sets updated_at.';
