-- Why an expression of result type p_result cannot be an attribute of type p_type, or NULL when it fits. The
-- compiler (src/condition/) binds values of one SQL type per attribute type and json-rules-engine's semantics are
-- defined for those; anything else must be cast in the expression, where its meaning is explicit.
CREATE OR REPLACE FUNCTION conflag.attribute_type_problem(p_type text, p_result regtype)
RETURNS text
LANGUAGE sql STABLE
AS $$
  WITH fit (type, allowed) AS (
    VALUES ('text', ARRAY['text', 'character varying']::regtype[]),
           ('number', ARRAY['smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision']::regtype[]),
           ('timestamp', ARRAY['timestamp with time zone']::regtype[]),
           ('date', ARRAY['date']::regtype[]),
           ('time', ARRAY['time without time zone']::regtype[]),
           ('text_array', ARRAY['text[]']::regtype[]),
           ('json', ARRAY['jsonb']::regtype[])
  )
  SELECT format('its result is %s, but a %s attribute needs %s%s', p_result, p_type,
                (SELECT string_agg(a::text, ', ') FROM unnest(f.allowed) a),
                CASE
                  WHEN p_result = 'timestamp without time zone'::regtype THEN ': say which zone its wall-clock times are in, e.g. (r.x AT TIME ZONE ''UTC'')'
                  WHEN p_result = 'json'::regtype THEN ': cast it, (r.x)::jsonb'
                  WHEN p_result = 'boolean'::regtype THEN ': conflag has no boolean facts; use a number, (r.x)::int (1 = true), or text, CASE WHEN r.x THEN ''yes'' ELSE ''no'' END'
                  WHEN p_type = 'text' THEN ': cast it, (...)::text'
                  ELSE ''
                END)
    FROM fit f
   WHERE f.type = p_type AND NOT (p_result = ANY (f.allowed))
$$;
COMMENT ON FUNCTION conflag.attribute_type_problem(text, regtype) IS 'Internal: why a result type does not fit an attribute type (with a cast to use), or NULL.';
