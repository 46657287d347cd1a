-- Whether no recording can satisfy both conditions, as far as the database can prove it without running them: some
-- two of the leaves they require (conflag.condition_conjuncts, both conditions together, a leaf with itself too)
-- contradict (conflag.leaves_contradict). false means "may overlap", not "overlap": the jobs trigger warns then
-- (conflag.jobs_warn_conflicts), and conflag.job_conflicts counts what the two select now. Bounded: conditions
-- requiring more than 60 leaves between them are not compared (false).
CREATE OR REPLACE FUNCTION conflag.conditions_disjoint(p_a jsonb, p_b jsonb)
RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  v_leaves jsonb[] := ARRAY(SELECT conflag.condition_conjuncts(p_a)) || ARRAY(SELECT conflag.condition_conjuncts(p_b));
BEGIN
  IF cardinality(v_leaves) > 60 THEN
    RETURN false;
  END IF;
  FOR i IN 1 .. cardinality(v_leaves) LOOP
    FOR j IN i .. cardinality(v_leaves) LOOP
      IF conflag.leaves_contradict(v_leaves[i], v_leaves[j]) THEN
        RETURN true;
      END IF;
    END LOOP;
  END LOOP;
  RETURN false;
END
$$;
COMMENT ON FUNCTION conflag.conditions_disjoint(jsonb, jsonb) IS 'True when the database can prove no recording satisfies both conditions (two required leaves contradict: a leaf and its negation, isEmpty true/false, disjoint value lists, non-overlapping number ranges); false when they may overlap.';
