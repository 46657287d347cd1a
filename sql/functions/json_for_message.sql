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
