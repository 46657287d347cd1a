-- A number or numeric string of a condition value as the double JavaScript makes of it (Number(v)): through
-- numeric, so that 1e400 is Infinity rather than an error; NULL when it is no number. For comparing condition
-- values with each other (conflag.leaf_values), never facts.
CREATE OR REPLACE FUNCTION conflag.js_double(p_text text)
RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT
AS $$
DECLARE
  v_number numeric;
BEGIN
  IF p_text !~ '^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$' THEN
    RETURN NULL;
  END IF;
  v_number := conflag.js_number(to_jsonb(p_text));
  RETURN v_number::float8;
EXCEPTION WHEN numeric_value_out_of_range THEN
  -- float8 refuses what rounds to Infinity or to 0; JavaScript makes Infinity and 0 of it.
  RETURN CASE WHEN abs(v_number) > 1 THEN sign(v_number) * 'Infinity'::float8 ELSE 0 END;
END
$$;
COMMENT ON FUNCTION conflag.js_double(text) IS 'Internal: the double JavaScript''s Number() makes of a decimal condition value (1e400 is Infinity); NULL for anything else.';
