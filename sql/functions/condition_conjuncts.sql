-- The leaves a condition requires, each of which must hold for the condition to: the leaves of its top-level "all"
-- (nested "all"s, single-child "any"s and double "not"s looked through), a negated leaf as {"not": leaf}, or the
-- condition itself when it is a leaf. What is under an "any" of several conditions or a "not" of a group is not
-- required by itself and is left out. Used to prove two conditions disjoint (conflag.conditions_disjoint).
CREATE OR REPLACE FUNCTION conflag.condition_conjuncts(p_condition jsonb)
RETURNS SETOF jsonb
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  v_child jsonb;
BEGIN
  IF jsonb_typeof(p_condition) <> 'object' THEN
    RETURN;
  ELSIF p_condition ? 'all' AND jsonb_typeof(p_condition -> 'all') = 'array' THEN
    FOR v_child IN SELECT e FROM jsonb_array_elements(p_condition -> 'all') AS e LOOP
      RETURN QUERY SELECT * FROM conflag.condition_conjuncts(v_child);
    END LOOP;
  ELSIF p_condition ? 'any' AND jsonb_typeof(p_condition -> 'any') = 'array' AND jsonb_array_length(p_condition -> 'any') = 1 THEN
    RETURN QUERY SELECT * FROM conflag.condition_conjuncts(p_condition -> 'any' -> 0);
  ELSIF p_condition ? 'not' AND jsonb_typeof(p_condition -> 'not') = 'object' AND (p_condition -> 'not') ? 'not' THEN
    RETURN QUERY SELECT * FROM conflag.condition_conjuncts(p_condition -> 'not' -> 'not');
  ELSIF p_condition ? 'not' AND jsonb_typeof(p_condition -> 'not') = 'object' AND (p_condition -> 'not') ? 'fact' THEN
    RETURN NEXT jsonb_build_object('not', (p_condition -> 'not') - 'name');
  ELSIF p_condition ? 'fact' THEN
    RETURN NEXT p_condition - 'name';
  END IF;
END
$$;
COMMENT ON FUNCTION conflag.condition_conjuncts(jsonb) IS 'Internal: the leaves (or {"not": leaf}) a condition requires: those of its top-level all, looking through single-child any and double not.';
