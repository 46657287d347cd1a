-- Accepts an attribute's expression only when PostgreSQL itself shows that it is an expression of the declared
-- type that reads one row of the table and nothing else, with no side effects. Raises otherwise:
--   CF422  not one expression (conflag.attribute_expression_text_problem), or PostgreSQL cannot parse it against
--          the table (a missing column, a syntax error);
--   CF424  it reads more or less than the row's own columns: another relation, the whole row or a system column, no
--          column at all, a function or operator of your own (PostgreSQL cannot prove what it reads); or PostgreSQL
--          would not accept it in an index expression over the table — which it allows only for expressions of
--          IMMUTABLE functions, with no subquery, aggregate, window or set-returning function;
--   CF423  its result type does not fit the declared type (text: text or varchar; number: smallint, integer,
--          bigint, numeric, real, double precision; timestamp: timestamptz; date; time; text_array: text[];
--          json: jsonb; domains over them count as them).
-- How: in a subtransaction that is always rolled back, an empty temporary copy of the table's columns named r
-- (CREATE TEMP TABLE r (LIKE ...)), a temporary view SELECT (<expression>) FROM r whose result type and
-- dependencies (pg_depend; PostgreSQL records none for its own built-in objects) are read, and CREATE INDEX on r
-- over the expression. {tz} and {as_of} are checked as the text and timestamptz values they are bound as.
CREATE OR REPLACE FUNCTION conflag.check_attribute_expression(p_table regclass, p_name text, p_type text, p_expression text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  c_hint  constant text := 'See "Attributes" in docs/own-table.md.';
  v_what  text := format('attributes.expression %s of %s (%s, %s)', to_jsonb(p_expression), to_jsonb(p_name), p_type, p_table);
  v_sql   text := replace(replace(p_expression, '{tz}', '(''UTC''::text)'), '{as_of}', '(''2000-01-01 00:00:00+00''::timestamptz)');
  v_step  text;
  v_error text;
  v_result regtype;
  v_unsafe text;
  v_mutable text;
BEGIN
  v_error := conflag.attribute_expression_text_problem(p_expression);
  IF v_error IS NOT NULL THEN
    RAISE EXCEPTION '%: not one SQL expression: %', v_what, v_error USING ERRCODE = 'CF422', HINT = c_hint;
  END IF;
  BEGIN
    v_step := 'parse';
    EXECUTE format('CREATE TEMP TABLE r (LIKE %s)', p_table);
    EXECUTE format(E'CREATE TEMP VIEW conflag_attribute_probe AS SELECT (%s\n) AS v FROM pg_temp.r', v_sql);
    v_step := 'inspect';
    v_result := (SELECT conflag.base_type(a.atttypid) FROM pg_attribute a WHERE a.attrelid = 'pg_temp.conflag_attribute_probe'::regclass AND a.attname = 'v');
    v_unsafe := conflag.attribute_dependency_problem('pg_temp.conflag_attribute_probe'::regclass, 'pg_temp.r'::regclass);
    v_mutable := (SELECT string_agg(DISTINCT format('%s (%s)', p.oid::regprocedure, CASE p.provolatile WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END), ', ')
                    FROM pg_rewrite w
                   CROSS JOIN LATERAL regexp_matches(w.ev_action::text, ':(funcid|opno) (\d+)', 'g') m
                    JOIN pg_proc p ON p.oid = CASE m[1] WHEN 'funcid' THEN m[2]::oid ELSE (SELECT o.oprcode::oid FROM pg_operator o WHERE o.oid = m[2]::oid) END
                   WHERE w.ev_class = 'pg_temp.conflag_attribute_probe'::regclass AND p.provolatile <> 'i');
    IF v_unsafe IS NULL AND conflag.attribute_type_problem(p_type, v_result) IS NULL THEN
      v_step := 'index';
      EXECUTE format(E'CREATE INDEX ON pg_temp.r ((%s\n))', v_sql);
    END IF;
    v_step := 'done';
    RAISE EXCEPTION 'probe done'; -- rolls the probe's objects back (v_step tells it from a real error)
  EXCEPTION WHEN OTHERS THEN
    IF v_step <> 'done' THEN
      v_error := SQLERRM;
    END IF;
  END;
  IF v_step IN ('parse', 'inspect') THEN
    RAISE EXCEPTION '%: PostgreSQL cannot read it as an expression over the table''s row r: %', v_what, v_error USING ERRCODE = 'CF422', HINT = c_hint;
  ELSIF v_unsafe IS NOT NULL THEN
    RAISE EXCEPTION '%: it %; an attribute reads only the recording''s own columns', v_what, v_unsafe USING ERRCODE = 'CF424', HINT = c_hint;
  ELSIF conflag.attribute_type_problem(p_type, v_result) IS NOT NULL THEN
    RAISE EXCEPTION '%: %', v_what, conflag.attribute_type_problem(p_type, v_result) USING ERRCODE = 'CF423', HINT = c_hint;
  ELSIF v_step = 'index' THEN
    RAISE EXCEPTION '%: PostgreSQL cannot prove that it reads only the row with no side effects: %', v_what,
      CASE WHEN v_mutable IS NOT NULL
           THEN format('it calls %s, which %s not IMMUTABLE (the result can change with the session or over time)', v_mutable,
                       CASE WHEN v_mutable LIKE '%), %' THEN 'are' ELSE 'is' END)
           ELSE v_error END
      USING ERRCODE = 'CF424', HINT = 'Use IMMUTABLE functions and operators only: no subquery, aggregate, window or set-returning function. For dates and times in the job''s timezone write r.x AT TIME ZONE {tz}. ' || c_hint;
  END IF;
END
$$;
COMMENT ON FUNCTION conflag.check_attribute_expression(regclass, text, text, text) IS 'Internal: raises CF422/CF423/CF424 unless the expression is one expression over the table''s row r, of the declared type, that PostgreSQL proves reads only that row (built-in IMMUTABLE functions and operators; no subquery, other relation, aggregate).';
