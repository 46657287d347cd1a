-- Why an attribute expression's text is not one SQL expression, or NULL. Checked before the database parses it
-- (conflag.check_attribute_expression), because the text is spliced into SQL: into the probe's CREATE statements
-- and into every run's predicate. It must not end the expression early or hide text from the check: no ; (a second
-- statement), no comment (-- or /*), no $ (dollar quotes, parameters), no E'...' string (backslash escapes), and
-- parentheses and brackets balanced outside strings and quoted identifiers — so that whatever sits inside the
-- compiler's parentheses is exactly the expression PostgreSQL checked. {tz} and {as_of} are the only placeholders.
CREATE OR REPLACE FUNCTION conflag.attribute_expression_text_problem(p_expression text)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  v_length integer := length(p_expression);
  v_at     integer := 1;
  v_depth  integer := 0;
  v_char   text;
  v_quote  text;
BEGIN
  IF p_expression IS NULL OR btrim(p_expression) = '' THEN
    RETURN 'it is empty';
  ELSIF v_length > 4000 THEN
    RETURN format('it is %s characters long; at most 4000 are allowed', v_length);
  ELSIF current_setting('standard_conforming_strings') = 'off' AND strpos(p_expression, E'\\') > 0 THEN
    RETURN 'it has a backslash, which this server (standard_conforming_strings = off) reads as an escape';
  END IF;
  WHILE v_at <= v_length LOOP
    v_char := substr(p_expression, v_at, 1);
    IF v_char IN ('''', '"') THEN
      IF v_char = '''' AND v_at > 1 AND lower(substr(p_expression, v_at - 1, 1)) = 'e'
         AND (v_at = 2 OR substr(p_expression, v_at - 2, 1) !~ '[[:alnum:]_]') THEN
        RETURN 'it has an E''...'' string: write strings as ''...''';
      END IF;
      v_quote := v_char;
      LOOP
        v_at := v_at + 1;
        IF v_at > v_length THEN
          RETURN CASE v_quote WHEN '''' THEN 'a string is not closed' ELSE 'a quoted identifier is not closed' END;
        END IF;
        CONTINUE WHEN substr(p_expression, v_at, 1) <> v_quote;
        EXIT WHEN substr(p_expression, v_at + 1, 1) <> v_quote;
        v_at := v_at + 1; -- a doubled quote stands for itself
      END LOOP;
    ELSIF v_char = ';' THEN
      RETURN 'it has a semicolon; an attribute is one expression';
    ELSIF v_char = '$' THEN
      RETURN 'it has a $ (dollar quoting and parameters are not allowed; {tz} and {as_of} stand for the run''s values)';
    ELSIF substr(p_expression, v_at, 2) IN ('--', '/*') THEN
      RETURN 'it has a comment (-- or /*); say what the fact means in description';
    ELSIF v_char = '{' THEN
      IF substr(p_expression, v_at, 4) = '{tz}' THEN
        v_at := v_at + 3;
      ELSIF substr(p_expression, v_at, 7) = '{as_of}' THEN
        v_at := v_at + 6;
      ELSE
        RETURN format('it has a { at character %s that is not {tz} or {as_of}', v_at);
      END IF;
    ELSIF v_char IN ('(', '[') THEN
      v_depth := v_depth + 1;
    ELSIF v_char IN (')', ']') THEN
      v_depth := v_depth - 1;
      IF v_depth < 0 THEN
        RETURN format('the %s at character %s closes nothing', v_char, v_at);
      END IF;
    END IF;
    v_at := v_at + 1;
  END LOOP;
  IF v_depth <> 0 THEN
    RETURN 'its parentheses or brackets are not balanced';
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.attribute_expression_text_problem(text) IS 'Internal: why an attribute expression''s text is not one SQL expression (a semicolon, a comment, a $, an E-string, unbalanced parentheses, an unknown placeholder), or NULL.';
