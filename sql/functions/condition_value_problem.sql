-- Why one value (a scalar, or one element of an array/pair value) does not fit an attribute type under an
-- operator, or can never match an attribute with a closed set of values p_values (conflag.closed_value_problem);
-- NULL when it fits. JSON null is the caller's business (allowed or not by the operator's shape),
-- except for json attributes where null is one of the scalars.
-- Numbers: lessThan/greaterThan/between also take a numeric string, because json-rules-engine's comparison
-- coerces it ("7200" > 5 is true in JavaScript); equal/in never do (5 === "5" is false), so a string there
-- could never match and is rejected. On json facts the same operators take numbers only: with a string value,
-- JavaScript compares a string fact with it character by character.
CREATE OR REPLACE FUNCTION conflag.condition_value_problem(p_value jsonb, p_type text, p_operator text, p_values text[] DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  v_kind text := jsonb_typeof(p_value);
  v_text text := CASE WHEN jsonb_typeof(p_value) = 'string' THEN p_value #>> '{}' END;
BEGIN
  CASE p_type
    WHEN 'text', 'text_array' THEN
      IF v_kind <> 'string' THEN
        RETURN 'expected a string';
      END IF;
      RETURN conflag.closed_value_problem(p_values, p_operator, v_text);
    WHEN 'number' THEN
      IF v_kind = 'number' THEN
        RETURN NULL;
      ELSIF v_kind = 'string' AND p_operator IN ('equal', 'notEqual', 'in', 'notIn') THEN
        RETURN format('expected a number without quotes: %s compares with ===, and 5 === "5" is false, so a string could never match', p_operator);
      ELSIF v_kind = 'string' AND p_operator IN ('lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'between')
            AND v_text ~ '^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$' THEN
        RETURN NULL;
      ELSE
        RETURN 'expected a number' ||
          CASE WHEN p_operator IN ('lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'between')
               THEN ' (or a decimal number in a string, such as "7200")' ELSE '' END;
      END IF;
    WHEN 'timestamp' THEN
      IF v_kind <> 'string'
         OR v_text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$' THEN
        RETURN 'expected a timestamp string YYYY-MM-DD HH:MM[:SS[.ffffff]] (or with T), optionally ending in Z or an offset such as +02:00; without an offset it is read in the job''s timezone';
      END IF;
      BEGIN
        PERFORM v_text::timestamptz;
      EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format OR invalid_time_zone_displacement_value THEN
        RETURN 'is not a real date and time: ' || SQLERRM;
      END;
    WHEN 'date' THEN
      IF v_kind <> 'string' OR v_text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
        RETURN 'expected a date string YYYY-MM-DD';
      END IF;
      BEGIN
        PERFORM v_text::date;
      EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
        RETURN 'is not a real date: ' || SQLERRM;
      END;
    WHEN 'time' THEN
      IF v_kind <> 'string' OR v_text !~ '^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$' THEN
        RETURN 'expected a time of day string HH:MM or HH:MM:SS (00:00 to 23:59:59)';
      END IF;
    WHEN 'json' THEN
      IF p_operator IN ('lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive') AND v_kind <> 'number' THEN
        RETURN 'expected a number without quotes: json-rules-engine compares a quoted value with a text in custom character by character ("10" < "9" is true), so conflag takes numbers only here';
      END IF;
      IF v_kind NOT IN ('string', 'number', 'boolean', 'null') THEN
        RETURN 'expected a JSON scalar (string, number, true, false or null), not an object or array';
      END IF;
    ELSE
      RETURN format('the attribute type %s is unknown to the validation', p_type);
  END CASE;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.condition_value_problem(jsonb, text, text, text[]) IS 'Internal: why one condition value (or one element of an array/pair value) does not fit the attribute type under the operator — or, for an attribute whose values are p_values, can never match one — or NULL when it fits.';
