-- The number JavaScript's relational operators (<, <=, >, >=) see when json-rules-engine compares a json fact (custom,
-- with or without a path) with a number, or NULL when such a comparison is false whatever the number. Its numeric
-- operators first ask numberValidator (Number.parseFloat(fact).toString() !== 'NaN'), then `fact < value` converts
-- the fact with ToNumber: a JSON number is itself; a string is read after trimming JavaScript's white space
-- (Unicode spaces, NBSP, BOM, line terminators), as a decimal (1e3, .5, 5., +3, Infinity) or 0x/0o/0b integer,
-- anything else being NaN ("4abc" passes the validator but is NaN); an array is its String(), so [4] and [["4"]]
-- are 4 while [] and [4, 5] are not numbers; null, true, false and objects are not numbers.
-- The result is the exact decimal value (huge ones as ±Infinity, tiny ones as 0, long ones cut to 800 significant
-- digits plus a sticky digit, which rounds to the same double); the compiler compares it with the decimal range
-- of numbers that round to the condition's double (src/condition/doubleInterval.ts), so the answer is
-- JavaScript's exactly, and no input can make it fail.
CREATE OR REPLACE FUNCTION conflag.js_number(p_value jsonb)
RETURNS numeric
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
  c_space   constant text := '[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]';
  v_value   jsonb := p_value;
  v_text    text;
  v_match   text[];
  v_digits  text;
  v_radix   integer;
  v_result  numeric;
  v_power   numeric;
BEGIN
  -- String(array) joins the elements with commas: a number only for exactly one element, recursively.
  WHILE jsonb_typeof(v_value) = 'array' LOOP
    IF jsonb_array_length(v_value) <> 1 THEN
      RETURN NULL;
    END IF;
    v_value := v_value -> 0;
  END LOOP;
  IF jsonb_typeof(v_value) = 'number' THEN
    RETURN v_value::numeric;
  ELSIF jsonb_typeof(v_value) <> 'string' THEN
    RETURN NULL;
  END IF;
  v_text := regexp_replace(v_value #>> '{}', '^' || c_space || '+|' || c_space || '+$', '', 'g');
  -- 0x1F, 0o17, 0b101: an integer (Number() reads these; parseFloat reads the leading 0, so the validator passes).
  v_match := regexp_match(v_text, '^0([xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)$');
  IF v_match IS NOT NULL THEN
    v_radix := CASE lower(left(v_match[1], 1)) WHEN 'x' THEN 16 WHEN 'o' THEN 8 ELSE 2 END;
    v_digits := ltrim(substr(v_match[1], 2), '0');
    -- From 2^1024 on, every value rounds to Infinity.
    IF (length(v_digits) - 1) * log(2, v_radix) >= 1024 THEN
      RETURN 'Infinity';
    END IF;
    v_result := 0;
    FOREACH v_text IN ARRAY regexp_split_to_array(lower(v_digits), '') LOOP
      CONTINUE WHEN v_text = '';
      v_result := v_result * v_radix + (strpos('0123456789abcdef', v_text) - 1);
    END LOOP;
    RETURN v_result;
  END IF;
  -- A decimal: sign, Infinity or digits with an optional point and exponent, and at least one digit.
  v_match := regexp_match(v_text, '^([+-]?)(?:(Infinity)|([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?)$');
  IF v_match IS NULL OR v_match[2] IS NULL AND coalesce(v_match[3], '') = '' AND coalesce(v_match[4], '') = '' THEN
    RETURN NULL;
  END IF;
  IF v_match[2] IS NOT NULL THEN
    RETURN (v_match[1] || 'Infinity')::numeric;
  END IF;
  v_digits := coalesce(v_match[3], '') || coalesce(v_match[4], '');
  -- value = 0.<significant digits> * 10^v_power
  v_power := length(coalesce(v_match[3], '')) - (length(v_digits) - length(ltrim(v_digits, '0'))) + coalesce(v_match[5], '0')::numeric;
  v_digits := rtrim(ltrim(v_digits, '0'), '0');
  IF v_digits = '' OR v_power < -324 THEN
    RETURN 0;  -- below half the smallest double: JavaScript's 0 (or -0, which compares the same)
  ELSIF v_power > 310 THEN
    RETURN (v_match[1] || 'Infinity')::numeric;
  END IF;
  IF length(v_digits) > 800 THEN
    v_digits := left(v_digits, 800) || '1';  -- the rest is not all zeros (trailing zeros were cut)
  END IF;
  RETURN (v_match[1] || CASE
    WHEN v_power >= length(v_digits) THEN v_digits || repeat('0', (v_power - length(v_digits))::integer)
    WHEN v_power > 0 THEN left(v_digits, v_power::integer) || '.' || substr(v_digits, v_power::integer + 1)
    ELSE '0.' || repeat('0', (-v_power)::integer) || v_digits
  END)::numeric;
END
$$;
COMMENT ON FUNCTION conflag.js_number(jsonb) IS 'Internal (compiled conditions): the exact number JavaScript compares a json fact as in json-rules-engine''s lessThan/greaterThan family, or NULL when that comparison is false whatever the number.';
