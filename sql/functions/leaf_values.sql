-- What one leaf allows, in comparable form, for conflag.leaves_contradict: kind 'in' (equal, in: the fact is one of
-- keys), 'not_in' (notEqual, notIn: the fact is none of keys), and for number facts the range [low, high] it allows
-- (lessThan & co., between, equal, in; NULL bounds when it has none), as doubles. A key is the value's JSON text,
-- numbers as their double (so 5 and 5.0 are one key).
CREATE OR REPLACE FUNCTION conflag.leaf_values(p_leaf jsonb, p_type text,
  OUT kind text, OUT keys text[], OUT low float8, OUT low_included boolean, OUT high float8, OUT high_included boolean)
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  v_operator text := p_leaf ->> 'operator';
  v_value    jsonb := p_leaf -> 'value';
  v_list     jsonb := CASE WHEN v_operator IN ('in', 'notIn') THEN v_value ELSE jsonb_build_array(v_value) END;
BEGIN
  IF v_operator IN ('equal', 'in', 'notEqual', 'notIn') AND jsonb_typeof(v_list) = 'array' THEN
    kind := CASE WHEN v_operator IN ('equal', 'in') THEN 'in' ELSE 'not_in' END;
    keys := ARRAY(SELECT CASE WHEN jsonb_typeof(e) = 'number' THEN 'n:' || conflag.js_double(e #>> '{}')::text ELSE e::text END
                    FROM jsonb_array_elements(v_list) AS e);
  END IF;
  IF p_type <> 'number' THEN
    RETURN;
  END IF;
  CASE v_operator
    WHEN 'lessThan' THEN high := conflag.js_double(v_value #>> '{}'); high_included := false; low := '-Infinity'; low_included := true;
    WHEN 'lessThanInclusive' THEN high := conflag.js_double(v_value #>> '{}'); high_included := true; low := '-Infinity'; low_included := true;
    WHEN 'greaterThan' THEN low := conflag.js_double(v_value #>> '{}'); low_included := false; high := 'Infinity'; high_included := true;
    WHEN 'greaterThanInclusive' THEN low := conflag.js_double(v_value #>> '{}'); low_included := true; high := 'Infinity'; high_included := true;
    WHEN 'between' THEN
      low := conflag.js_double(v_value ->> 0); high := conflag.js_double(v_value ->> 1); low_included := true; high_included := true;
    WHEN 'equal', 'in' THEN
      -- Lowest to highest of the numbers; null (a NULL fact) is no number, so a list with it has no range.
      IF NOT EXISTS (SELECT FROM jsonb_array_elements(v_list) AS e WHERE jsonb_typeof(e) <> 'number') AND jsonb_array_length(v_list) > 0 THEN
        SELECT min(conflag.js_double(e #>> '{}')), max(conflag.js_double(e #>> '{}')) INTO low, high FROM jsonb_array_elements(v_list) AS e;
        low_included := true;
        high_included := true;
      END IF;
    ELSE NULL;
  END CASE;
END
$$;
COMMENT ON FUNCTION conflag.leaf_values(jsonb, text) IS 'Internal: the values (kind in/not_in, keys) and, on number facts, the range of doubles one condition leaf allows; for conflag.leaves_contradict.';
