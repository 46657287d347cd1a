-- Why a string value can never match an attribute with a closed set of values (conflag.attributes.allowed_values),
-- or NULL when it can: equal/notEqual/in/notIn need one of the values (start_weekday "Monday" matches nothing,
-- the values are lower case), startsWith/endsWith/includes need a value that starts with, ends with or contains it,
-- and their IgnoreCase forms the same after lower-casing both (with the ICU root collation when the server has it,
-- as the compiler does). Called by conflag.condition_value_problem and for the text operators' values. The
-- message lists the values and suggests one: the value in another case, a value it is
-- the beginning of ("sat" -> "saturday"), or the lower-case form for the text operators. Mirrored by
-- src/condition/closedValues.ts.
CREATE OR REPLACE FUNCTION conflag.closed_value_problem(p_values text[], p_operator text, p_value text)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  v_list    text := array_to_string(p_values, ', ');
  v_fold    boolean := p_operator LIKE '%IgnoreCase';
  v_kind    text := replace(p_operator, 'IgnoreCase', '');
  v_value   text;
  v_values  text[];
  v_suggest text;
BEGIN
  IF p_values IS NULL OR p_value IS NULL OR p_operator NOT IN ('equal', 'notEqual', 'in', 'notIn', 'startsWith', 'endsWith', 'includes',
      'equalIgnoreCase', 'startsWithIgnoreCase', 'endsWithIgnoreCase', 'includesIgnoreCase') THEN
    RETURN NULL;
  END IF;
  IF v_fold AND EXISTS (SELECT FROM pg_catalog.pg_collation WHERE collname = 'und-x-icu') THEN
    v_value := lower(p_value COLLATE "und-x-icu");
    v_values := ARRAY(SELECT lower(a COLLATE "und-x-icu") FROM unnest(p_values) AS a);
  ELSIF v_fold THEN
    v_value := lower(p_value);
    v_values := ARRAY(SELECT lower(a) FROM unnest(p_values) AS a);
  ELSE
    v_value := p_value;
    v_values := p_values;
  END IF;
  IF EXISTS (SELECT FROM unnest(v_values) AS a
              WHERE CASE v_kind WHEN 'startsWith' THEN starts_with(a, v_value)
                                WHEN 'endsWith' THEN right(a, length(v_value)) = v_value
                                WHEN 'includes' THEN strpos(a, v_value) > 0
                                ELSE a = v_value END) THEN
    RETURN NULL;
  END IF;
  IF v_kind IN ('startsWith', 'endsWith', 'includes') THEN
    -- Lower case helps a case-sensitive operator only (the values are written in one case).
    v_suggest := CASE WHEN NOT v_fold AND EXISTS (SELECT FROM unnest(p_values) AS a
                                                  WHERE CASE v_kind WHEN 'startsWith' THEN starts_with(a, lower(p_value))
                                                                    WHEN 'endsWith' THEN right(a, length(p_value)) = lower(p_value)
                                                                    ELSE strpos(a, lower(p_value)) > 0 END)
                      THEN lower(p_value) END;
    RETURN format('it can never match: none of the fact''s values (%s) %s it%s%s', v_list,
      CASE v_kind WHEN 'startsWith' THEN 'starts with' WHEN 'endsWith' THEN 'ends with' ELSE 'contains' END,
      CASE WHEN v_fold THEN ' ignoring case' ELSE '' END, coalesce('; did you mean ' || to_jsonb(v_suggest)::text || '?', ''));
  END IF;
  SELECT a INTO v_suggest FROM unnest(p_values) WITH ORDINALITY AS s (a, n)
   WHERE lower(a) = lower(p_value) OR (length(p_value) >= 2 AND starts_with(lower(a), lower(p_value)))
   ORDER BY lower(a) = lower(p_value) DESC, n LIMIT 1;
  RETURN format('it is none of the fact''s values (%s)%s', v_list, coalesce('; did you mean ' || to_jsonb(v_suggest)::text || '?', ''));
END
$$;
COMMENT ON FUNCTION conflag.closed_value_problem(text[], text, text) IS 'Internal: why a string value of a condition on an attribute with allowed_values can never match (with the values and a suggestion), or NULL when it can.';
