-- Walks one node of a job condition (a group {all|any|not} or a leaf) at location p_at and nesting level
-- p_depth (the top level is 1). Returns the number of leaves seen so far (p_leaves plus this subtree), so the
-- 200-leaf bound is enforced while walking, before any more work is done.
CREATE OR REPLACE FUNCTION conflag.validate_condition_node(p_node jsonb, p_at text, p_depth integer, p_leaves integer)
RETURNS integer
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  c_hint   constant text := 'See "Conditions" in docs/dba.md.';
  v_here   text := CASE WHEN p_at = '' THEN '' ELSE p_at || ' ' END;
  v_prefix text := CASE WHEN p_at = '' THEN '' ELSE p_at || '.' END;
  v_groups text[];
  v_key    text;
  v_kind   text;
  v_leaves integer := p_leaves;
BEGIN
  IF p_depth > 10 THEN
    RAISE EXCEPTION 'jobs.condition: % is nested % levels deep; at most 10 levels are allowed', p_at, p_depth
      USING ERRCODE = 'CF107', HINT = c_hint;
  END IF;
  IF jsonb_typeof(p_node) <> 'object' THEN
    RAISE EXCEPTION 'jobs.condition: % is not a condition: expected an object, either a group {"all": [...]}, {"any": [...]}, {"not": {...}} or a leaf {"fact": ..., "operator": ..., "value": ...}',
      v_here || conflag.json_for_message(p_node)
      USING ERRCODE = 'CF100', HINT = c_hint;
  END IF;
  v_groups := ARRAY(SELECT k FROM jsonb_object_keys(p_node) AS k WHERE k IN ('all', 'any', 'not') ORDER BY k);

  IF cardinality(v_groups) = 0 THEN
    IF NOT p_node ?| ARRAY['fact', 'operator', 'value'] THEN
      SELECT k INTO v_key FROM jsonb_object_keys(p_node) AS k WHERE k <> 'name' ORDER BY k LIMIT 1;
      IF v_key IS NOT NULL THEN
        RAISE EXCEPTION 'jobs.condition: % is not supported: a condition is a group (all, any or not) or a leaf (fact, operator, value)%', v_prefix || v_key,
          CASE WHEN v_key = 'condition' THEN '; shared condition references are not supported, write the condition out' ELSE '' END
          USING ERRCODE = 'CF101', HINT = c_hint;
      END IF;
      RAISE EXCEPTION 'jobs.condition: % is neither a group (all, any, not) nor a leaf (fact, operator, value)', v_here || conflag.json_for_message(p_node)
        USING ERRCODE = 'CF100', HINT = c_hint;
    END IF;
    IF p_depth = 1 THEN
      RAISE EXCEPTION 'jobs.condition: % is not a group: the top level must have "all", "any" or "not"; wrap a single leaf as {"all": [ ... ]}', conflag.json_for_message(p_node)
        USING ERRCODE = 'CF100', HINT = c_hint;
    END IF;
    v_leaves := v_leaves + 1;
    IF v_leaves > 200 THEN
      RAISE EXCEPTION 'jobs.condition: % is leaf number %; at most 200 fact/operator/value conditions are allowed', p_at, v_leaves
        USING ERRCODE = 'CF107', HINT = c_hint;
    END IF;
    PERFORM conflag.validate_condition_leaf(p_node, p_at);
    RETURN v_leaves;
  END IF;

  IF cardinality(v_groups) > 1 THEN
    RAISE EXCEPTION 'jobs.condition: %has both % and %; a group takes exactly one of all, any, not (nest a second group instead)',
      v_here, to_jsonb(v_groups[1]), to_jsonb(v_groups[2])
      USING ERRCODE = 'CF100', HINT = c_hint;
  END IF;
  FOR v_key IN SELECT jsonb_object_keys(p_node) LOOP
    IF v_key NOT IN ('all', 'any', 'not', 'name') THEN
      RAISE EXCEPTION 'jobs.condition: % is not supported: a group takes exactly one of all, any, not, and optionally name%', v_prefix || v_key,
        CASE WHEN v_key IN ('fact', 'operator', 'value', 'path') THEN ' (a group cannot also be a leaf)' ELSE '' END
        USING ERRCODE = 'CF101', HINT = c_hint;
    END IF;
  END LOOP;
  IF p_node ? 'name' AND (jsonb_typeof(p_node -> 'name') <> 'string' OR length(p_node ->> 'name') > 1000) THEN
    RAISE EXCEPTION 'jobs.condition: %name % must be a string of at most 1000 characters', v_prefix, conflag.json_for_message(p_node -> 'name')
      USING ERRCODE = 'CF100', HINT = c_hint;
  END IF;

  v_kind := v_groups[1];
  IF v_kind = 'not' THEN
    IF jsonb_typeof(p_node -> 'not') <> 'object' THEN
      RAISE EXCEPTION 'jobs.condition: %not % must be one condition object (a group or a leaf)', v_prefix, conflag.json_for_message(p_node -> 'not')
        USING ERRCODE = 'CF100', HINT = c_hint;
    END IF;
    RETURN conflag.validate_condition_node(p_node -> 'not', v_prefix || 'not', p_depth + 1, v_leaves);
  END IF;
  IF jsonb_typeof(p_node -> v_kind) <> 'array' THEN
    RAISE EXCEPTION 'jobs.condition: % % must be an array of conditions', v_prefix || v_kind, conflag.json_for_message(p_node -> v_kind)
      USING ERRCODE = 'CF100', HINT = c_hint;
  END IF;
  FOR i IN 0 .. jsonb_array_length(p_node -> v_kind) - 1 LOOP
    v_leaves := conflag.validate_condition_node(p_node -> v_kind -> i, format('%s%s[%s]', v_prefix, v_kind, i), p_depth + 1, v_leaves);
  END LOOP;
  RETURN v_leaves;
END
$$;
COMMENT ON FUNCTION conflag.validate_condition_node(jsonb, text, integer, integer) IS 'Internal: checks one node of a condition at location p_at and level p_depth (top = 1); returns the leaves counted so far. Raises CF100-CF107.';
