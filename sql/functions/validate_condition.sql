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
