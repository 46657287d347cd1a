-- One field of a 5-field crontab as Vixie cron (cronie, Debian's cron) reads it: the values it allows, or why it is
-- not valid. The grammar is Vixie's get_list/get_range: a comma-separated list of items, each `*`, a number `n`, a
-- range `a-b`, or a stepped `*/s` / `a-b/s`; numbers may be written as names where p_names is given (jan..dec,
-- sun..sat, any case, also as range ends). Duplicates and overlapping items are fine (a set). Vixie refuses a
-- single number with a step (`5/10`), a backwards range and a zero step; so does this, naming the item, and it
-- also refuses what Vixie reads differently or not at all (?, L, W, #, H) and a step larger than the field.
CREATE OR REPLACE FUNCTION conflag.crontab_field(p_field text, p_min integer, p_max integer, p_names text[] DEFAULT NULL,
                                                 OUT items integer[], OUT problem text)
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  v_item  text;
  v_match text[];
  v_token text;
  v_value integer;
  v_start integer;
  v_end   integer;
  v_step  integer;
  v_names text := CASE WHEN p_names IS NULL THEN '' ELSE ' or a name (' || array_to_string(p_names, ', ') || ')' END;
  v_seen  boolean[] := array_fill(false, ARRAY[p_max - p_min + 1], ARRAY[p_min]);
BEGIN
  FOREACH v_item IN ARRAY string_to_array(p_field, ',') LOOP
    IF v_item = '' THEN
      problem := 'has an empty item in its comma-separated list';
      RETURN;
    END IF;
    IF v_item ~ '^[0-9A-Za-z]+/' THEN
      problem := format('has %s, a single number with a step, which Vixie cron refuses: a step needs a range, as in %s-%s/%s or */%s',
                        to_jsonb(v_item), split_part(v_item, '/', 1), p_max, split_part(v_item, '/', 2), split_part(v_item, '/', 2));
      RETURN;
    END IF;
    -- * or a or a-b, then an optional /step (only after * or a range, checked above)
    v_match := regexp_match(v_item, '^(\*|([0-9A-Za-z]+)(-([0-9A-Za-z]+))?)(/([0-9]+))?$');
    IF v_match IS NULL THEN
      problem := format('has %s, which is not a number%s, *, a range a-b or a step */n or a-b/n', to_jsonb(v_item), v_names);
      RETURN;
    END IF;
    IF v_match[1] = '*' THEN
      v_start := p_min;
      v_end := p_max;
    ELSE
      v_start := NULL;
      v_end := NULL;
      FOREACH v_token IN ARRAY ARRAY[v_match[2], v_match[4]] LOOP
        CONTINUE WHEN v_token IS NULL;
        IF v_token ~ '^[0-9]{1,4}$' THEN
          v_value := v_token::integer;
        ELSIF p_names IS NOT NULL AND lower(v_token) = ANY (p_names) THEN
          v_value := array_position(p_names, lower(v_token)) - 1 + p_min;
        ELSE
          problem := format('has %s, which is not a number%s', to_jsonb(v_token), v_names);
          RETURN;
        END IF;
        IF v_value < p_min OR v_value > p_max THEN
          problem := format('has %s, outside the allowed %s-%s', v_token, p_min, p_max);
          RETURN;
        END IF;
        IF v_start IS NULL THEN v_start := v_value; ELSE v_end := v_value; END IF;
      END LOOP;
      v_end := coalesce(v_end, v_start);
      IF v_start > v_end THEN
        problem := format('has the range %s, which runs backwards', to_jsonb(v_match[1]));
        RETURN;
      END IF;
    END IF;
    v_step := 1;
    IF v_match[6] IS NOT NULL THEN
      IF length(v_match[6]) > 4 OR v_match[6]::integer < 1 OR v_match[6]::integer > p_max - p_min + 1 THEN
        problem := format('has the step /%s; a step must be from 1 to %s', v_match[6], p_max - p_min + 1);
        RETURN;
      END IF;
      v_step := v_match[6]::integer;
    END IF;
    FOR v_value IN v_start .. v_end BY v_step LOOP
      v_seen[v_value] := true;
    END LOOP;
  END LOOP;
  -- Plain loops rather than SQL over arrays: the runners parse a crontab for every tick they compute.
  items := '{}';
  FOR v_value IN p_min .. p_max LOOP
    IF v_seen[v_value] THEN items := items || v_value; END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION conflag.crontab_field(text, integer, integer, text[]) IS 'Internal: the values one crontab field allows in p_min..p_max (names p_names map to p_min, p_min+1, ...), read with Vixie cron''s grammar; or problem, why the field is not valid.';
