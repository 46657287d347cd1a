-- Why one field of a 5-field crontab is not valid (NULL when it is). Accepts what cron-parser (used by
-- pg-boss) reads the same way: numbers, *, lists a,b, ranges a-b, steps */n, a/n and a-b/n, and names
-- (jan..dec, sun..sat, any case) where p_names is given. Rejects what it would read differently or not
-- at all (?, L, W, #, H, reversed ranges, values out of range).
CREATE OR REPLACE FUNCTION conflag.crontab_field_problem(p_field text, p_min integer, p_max integer, p_names text[] DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  v_item  text;
  v_match text[];
  v_token text;
  v_value integer;
  v_start integer;
  v_end   integer;
  v_names text := CASE WHEN p_names IS NULL THEN '' ELSE ' or a name (' || array_to_string(p_names, ', ') || ')' END;
BEGIN
  FOREACH v_item IN ARRAY string_to_array(p_field, ',') LOOP
    IF v_item = '' THEN
      RETURN 'has an empty item in its comma-separated list';
    END IF;
    -- base (* | a | a-b) then an optional /step
    v_match := regexp_match(v_item, '^(\*|([0-9A-Za-z]+)(-([0-9A-Za-z]+))?)(/([0-9]+))?$');
    IF v_match IS NULL THEN
      RETURN format('has %s, which is not a number%s, *, a range a-b or a step */n', to_jsonb(v_item), v_names);
    END IF;
    v_start := NULL;
    v_end := NULL;
    FOREACH v_token IN ARRAY ARRAY[v_match[2], v_match[4]] LOOP
      CONTINUE WHEN v_token IS NULL;
      IF v_token ~ '^[0-9]{1,4}$' THEN
        v_value := v_token::integer;
      ELSIF p_names IS NOT NULL AND lower(v_token) = ANY (p_names) THEN
        v_value := array_position(p_names, lower(v_token)) - 1 + p_min;
      ELSE
        RETURN format('has %s, which is not a number%s', to_jsonb(v_token), v_names);
      END IF;
      IF v_value < p_min OR v_value > p_max THEN
        RETURN format('has %s, outside the allowed %s-%s', v_token, p_min, p_max);
      END IF;
      IF v_start IS NULL THEN v_start := v_value; ELSE v_end := v_value; END IF;
    END LOOP;
    IF v_end IS NOT NULL AND v_start > v_end THEN
      RETURN format('has the range %s, which runs backwards', to_jsonb(v_match[1]));
    END IF;
    IF v_match[6] IS NOT NULL AND (length(v_match[6]) > 4 OR v_match[6]::integer < 1 OR v_match[6]::integer > p_max - p_min + 1) THEN
      RETURN format('has the step /%s; a step must be from 1 to %s', v_match[6], p_max - p_min + 1);
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.crontab_field_problem(text, integer, integer, text[]) IS 'Internal: why one crontab field is not valid for the range p_min..p_max (names p_names map to p_min, p_min+1, ...), or NULL when it is.';
