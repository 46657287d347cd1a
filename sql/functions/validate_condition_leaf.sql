-- Checks one leaf {fact, operator, value, path?, name?} of a job condition against the attribute and operator
-- catalogs — including, for an attribute with a closed set of values, that a string value can match one of them —
-- and raises CF1xx naming the location (p_at, e.g. all[2]), the offending value and what is allowed.
CREATE OR REPLACE FUNCTION conflag.validate_condition_leaf(p_leaf jsonb, p_at text)
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  c_hint  constant text := 'See "Conditions" in docs/dba.md and docs/conditions.md.';
  v_key      text;
  v_fact     text;
  v_type     text;
  v_operator text;
  v_types    text[];
  v_shape    text;
  v_value    jsonb;
  v_element  jsonb;
  v_index    integer;
  v_problem  text;
  v_allowed  text;
  v_values   text[];
BEGIN
  FOR v_key IN SELECT jsonb_object_keys(p_leaf) LOOP
    IF v_key NOT IN ('fact', 'operator', 'value', 'path', 'name') THEN
      RAISE EXCEPTION 'jobs.condition: %.% is not supported: a fact/operator/value condition takes only fact, operator, value, path and name', p_at, v_key
        USING ERRCODE = 'CF101', HINT = c_hint;
    END IF;
  END LOOP;
  IF p_leaf ? 'name' AND (jsonb_typeof(p_leaf -> 'name') <> 'string' OR length(p_leaf ->> 'name') > 1000) THEN
    RAISE EXCEPTION 'jobs.condition: %.name % must be a string of at most 1000 characters', p_at, conflag.json_for_message(p_leaf -> 'name')
      USING ERRCODE = 'CF100', HINT = c_hint;
  END IF;

  -- fact
  IF jsonb_typeof(p_leaf -> 'fact') IS DISTINCT FROM 'string' THEN
    RAISE EXCEPTION 'jobs.condition: %.fact % must be a string naming an attribute; known attributes: %', p_at,
      CASE WHEN p_leaf ? 'fact' THEN conflag.json_for_message(p_leaf -> 'fact') ELSE 'is missing and' END, (SELECT string_agg(name, ', ' ORDER BY name) FROM conflag.current_attributes)
      USING ERRCODE = 'CF100', HINT = c_hint;
  END IF;
  v_fact := p_leaf ->> 'fact';
  SELECT type, allowed_values INTO v_type, v_values FROM conflag.current_attributes WHERE name = v_fact;
  IF v_type IS NULL THEN
    RAISE EXCEPTION 'jobs.condition: %.fact % is not a known attribute; known attributes: %', p_at, conflag.json_for_message(p_leaf -> 'fact'),
      (SELECT string_agg(name, ', ' ORDER BY name) FROM conflag.current_attributes)
      USING ERRCODE = 'CF102', HINT = 'SELECT name, type, description FROM conflag.current_attributes lists them. ' || c_hint;
  END IF;

  -- operator
  v_allowed := (SELECT string_agg(name, ', ' ORDER BY name) FROM conflag.operators WHERE v_type = ANY (types));
  IF jsonb_typeof(p_leaf -> 'operator') IS DISTINCT FROM 'string' THEN
    RAISE EXCEPTION 'jobs.condition: %.operator % must be a string naming an operator; operators for % (%): %', p_at,
      CASE WHEN p_leaf ? 'operator' THEN conflag.json_for_message(p_leaf -> 'operator') ELSE 'is missing and' END, to_jsonb(v_fact), v_type, v_allowed
      USING ERRCODE = 'CF100', HINT = c_hint;
  END IF;
  v_operator := p_leaf ->> 'operator';
  SELECT types, value_shape INTO v_types, v_shape FROM conflag.operators WHERE name = v_operator;
  IF v_shape IS NULL THEN
    RAISE EXCEPTION 'jobs.condition: %.operator % is not a known operator; operators for % (%): %', p_at,
      conflag.json_for_message(p_leaf -> 'operator'), to_jsonb(v_fact), v_type, v_allowed
      USING ERRCODE = 'CF103', HINT = 'SELECT name, types, description FROM conflag.operators lists them. ' || c_hint;
  END IF;
  IF NOT v_type = ANY (v_types) THEN
    RAISE EXCEPTION 'jobs.condition: %.operator % does not apply to fact % (%); operators for %: %', p_at,
      to_jsonb(v_operator), to_jsonb(v_fact), v_type, v_type, v_allowed
      USING ERRCODE = 'CF104', HINT = c_hint;
  END IF;

  -- path: only into json attributes, a restricted JSONPath the compiler turns into #> and json-rules-engine reads alike
  IF p_leaf ? 'path' THEN
    IF v_type <> 'json' THEN
      RAISE EXCEPTION 'jobs.condition: %.path % is only allowed on json facts (%), not on % (%)', p_at,
        conflag.json_for_message(p_leaf -> 'path'), (SELECT string_agg(name, ', ' ORDER BY name) FROM conflag.current_attributes WHERE type = 'json'),
        to_jsonb(v_fact), v_type
        USING ERRCODE = 'CF106', HINT = c_hint;
    END IF;
    IF jsonb_typeof(p_leaf -> 'path') <> 'string' OR length(p_leaf ->> 'path') > 1000
       OR (p_leaf ->> 'path') !~ '^\$(\.[A-Za-z_][A-Za-z0-9_]*|\[(0|[1-9][0-9]{0,3})\]){1,10}$' THEN
      RAISE EXCEPTION 'jobs.condition: %.path % is not valid: write $ followed by 1 to 10 steps, each .name (letters, digits, _) or [index] (0 to 9999), e.g. $.crm.account or $.items[0].id', p_at,
        conflag.json_for_message(p_leaf -> 'path')
        USING ERRCODE = 'CF106', HINT = c_hint;
    END IF;
  END IF;

  -- value, by the operator's value shape
  IF NOT p_leaf ? 'value' THEN
    RAISE EXCEPTION 'jobs.condition: %.value is missing: % on fact % (%) needs a value', p_at, to_jsonb(v_operator), to_jsonb(v_fact), v_type
      USING ERRCODE = 'CF105', HINT = c_hint;
  END IF;
  v_value := p_leaf -> 'value';
  IF jsonb_typeof(v_value) = 'string' AND length(v_value #>> '{}') > 1000
     OR jsonb_typeof(v_value) = 'array' AND EXISTS (SELECT 1 FROM jsonb_array_elements(v_value) e WHERE jsonb_typeof(e) = 'string' AND length(e #>> '{}') > 1000) THEN
    RAISE EXCEPTION 'jobs.condition: %.value % has a string longer than 1000 characters, the most allowed', p_at, conflag.json_for_message(v_value)
      USING ERRCODE = 'CF107', HINT = c_hint;
  END IF;
  CASE v_shape
    WHEN 'boolean' THEN
      IF jsonb_typeof(v_value) <> 'boolean' THEN
        v_problem := 'expected true or false';
      END IF;
    WHEN 'string' THEN
      IF jsonb_typeof(v_value) <> 'string' THEN
        v_problem := 'expected a string';
      ELSE
        v_problem := conflag.closed_value_problem(v_values, v_operator, v_value #>> '{}');
      END IF;
    WHEN 'scalar' THEN
      v_problem := conflag.condition_value_problem(v_value, v_type, v_operator, v_values);
    WHEN 'scalar_or_null' THEN
      IF jsonb_typeof(v_value) <> 'null' THEN
        v_problem := conflag.condition_value_problem(v_value, v_type, v_operator, v_values);
      END IF;
    WHEN 'array', 'pair' THEN
      IF jsonb_typeof(v_value) <> 'array' THEN
        v_problem := CASE v_shape WHEN 'pair' THEN 'expected an array of two values [low, high]' ELSE 'expected an array of values' END;
      ELSIF v_shape = 'pair' AND jsonb_array_length(v_value) <> 2 THEN
        v_problem := format('expected exactly two values [low, high], not %s', jsonb_array_length(v_value));
      ELSIF jsonb_array_length(v_value) > 1000 THEN
        RAISE EXCEPTION 'jobs.condition: %.value has % values; at most 1000 are allowed', p_at, jsonb_array_length(v_value)
          USING ERRCODE = 'CF107', HINT = c_hint;
      ELSE
        v_index := 0;
        FOR v_element IN SELECT e FROM jsonb_array_elements(v_value) e LOOP
          IF NOT (v_shape = 'array' AND jsonb_typeof(v_element) = 'null') THEN
            v_problem := conflag.condition_value_problem(v_element, v_type, v_operator, v_values);
            IF v_problem IS NOT NULL THEN
              RAISE EXCEPTION 'jobs.condition: %.value[%] % is not valid for % on fact % (%): %', p_at, v_index,
                conflag.json_for_message(v_element), to_jsonb(v_operator), to_jsonb(v_fact), v_type, v_problem
                USING ERRCODE = 'CF105', HINT = c_hint;
            END IF;
          END IF;
          v_index := v_index + 1;
        END LOOP;
      END IF;
  END CASE;
  IF v_problem IS NOT NULL THEN
    RAISE EXCEPTION 'jobs.condition: %.value % is not valid for % on fact % (%): %', p_at, conflag.json_for_message(v_value),
      to_jsonb(v_operator), to_jsonb(v_fact), v_type, v_problem
      USING ERRCODE = 'CF105', HINT = c_hint;
  END IF;
END
$$;
COMMENT ON FUNCTION conflag.validate_condition_leaf(jsonb, text) IS 'Internal: checks one fact/operator/value leaf of a condition at location p_at (e.g. all[2]); raises CF100-CF107.';
