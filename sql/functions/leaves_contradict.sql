-- Whether two required leaves (from conflag.condition_conjuncts) can never both be true for one recording. Only
-- facts that do not depend on a job's timezone are compared (two jobs may read start_time in different zones),
-- and only by these rules, each of which follows from json-rules-engine's meaning:
--   - a leaf and its negation ({"not": leaf});
--   - isEmpty true and isEmpty false;
--   - equal / in with no value in common (numbers compared as JavaScript doubles, through float8), or with every
--     value excluded by the other's notEqual / notIn;
--   - on number facts, ranges that do not overlap: lessThan & co., between, equal and in (its lowest to highest),
--     values compared as doubles (a NULL fact satisfies none of them).
-- Anything else may overlap. A leaf may contradict itself (between [5, 1], in []): then it never matches.
CREATE OR REPLACE FUNCTION conflag.leaves_contradict(p_a jsonb, p_b jsonb)
RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  v_type text;
  v_a    record;
  v_b    record;
BEGIN
  IF p_a ? 'not' OR p_b ? 'not' THEN
    RETURN p_a -> 'not' = p_b OR p_b -> 'not' = p_a;
  END IF;
  IF p_a ->> 'fact' IS DISTINCT FROM p_b ->> 'fact' OR p_a -> 'path' IS DISTINCT FROM p_b -> 'path' THEN
    RETURN false;
  END IF;
  SELECT a.type INTO v_type FROM conflag.current_attributes a WHERE a.name = p_a ->> 'fact' AND a.expression NOT LIKE '%{tz}%';
  IF v_type IS NULL THEN
    RETURN false;
  END IF;
  IF p_a ->> 'operator' = 'isEmpty' AND p_b ->> 'operator' = 'isEmpty' THEN
    RETURN p_a -> 'value' <> p_b -> 'value';
  END IF;
  v_a := conflag.leaf_values(p_a, v_type);
  v_b := conflag.leaf_values(p_b, v_type);
  IF v_a.kind = 'in' AND v_b.kind IN ('in', 'not_in') OR v_a.kind = 'not_in' AND v_b.kind = 'in' THEN
    RETURN CASE
      WHEN v_a.kind = 'in' AND v_b.kind = 'in' THEN NOT EXISTS (SELECT FROM unnest(v_a.keys) AS x WHERE x = ANY (v_b.keys))
      WHEN v_a.kind = 'in' THEN NOT EXISTS (SELECT FROM unnest(v_a.keys) AS x WHERE NOT x = ANY (v_b.keys))
      ELSE NOT EXISTS (SELECT FROM unnest(v_b.keys) AS x WHERE NOT x = ANY (v_a.keys))
    END;
  END IF;
  IF v_type = 'number' AND v_a.low IS NOT NULL AND v_b.low IS NOT NULL THEN
    RETURN v_a.high < v_b.low OR v_b.high < v_a.low
        OR v_a.high = v_b.low AND NOT (v_a.high_included AND v_b.low_included)
        OR v_b.high = v_a.low AND NOT (v_b.high_included AND v_a.low_included)
        OR v_a.low > v_a.high OR v_b.low > v_b.high;
  END IF;
  RETURN false;
END
$$;
COMMENT ON FUNCTION conflag.leaves_contradict(jsonb, jsonb) IS 'Internal: true when two leaves on the same fact (not timezone-dependent) can never both be true (a leaf and its negation, isEmpty true/false, disjoint value lists, non-overlapping number ranges); false when they may.';
