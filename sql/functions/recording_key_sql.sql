-- The SQL expression of a recording's key: a JSON array of its key columns' values in a text form that does not
-- depend on the session (numbers as numbers; uuid and text as text; dates, timestamps and timestamptz as ISO text,
-- timestamptz in UTC), so the change-log triggers (the platform's sessions) and the runs (conflag's) build the same
-- key for the same row. p_row is the row's SQL reference: an alias such as r, or ($1) for a row passed to EXECUTE.
-- The identifiers come from the catalog. The one-argument form is for the mapped table (conflag.recording_source);
-- the three-argument form for any table and key, which is how the mapping's validation checks a key before it is
-- written (a missing column: CF401, a type without such a text form: CF402).
CREATE OR REPLACE FUNCTION conflag.recording_key_sql(p_row text, p_table regclass, p_key_columns name[])
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  v_parts text;
BEGIN
  IF p_table IS NULL THEN
    RAISE EXCEPTION 'conflag.recording_source: the recordings table does not exist'
      USING ERRCODE = 'CF401', HINT = 'SELECT * FROM conflag.recording_source; see docs/own-table.md.';
  END IF;
  SELECT 'jsonb_build_array(' || string_agg(
           CASE
             WHEN a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype) THEN format('%s.%I', p_row, a.attname)
             WHEN a.atttypid IN ('uuid'::regtype, 'text'::regtype, 'varchar'::regtype, 'bpchar'::regtype) THEN format('%s.%I::text', p_row, a.attname)
             WHEN a.atttypid = 'date'::regtype THEN format('to_char(%s.%I, ''YYYY-MM-DD'')', p_row, a.attname)
             WHEN a.atttypid = 'timestamptz'::regtype THEN format('to_char(%s.%I AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.US'')', p_row, a.attname)
             WHEN a.atttypid = 'timestamp'::regtype THEN format('to_char(%s.%I, ''YYYY-MM-DD"T"HH24:MI:SS.US'')', p_row, a.attname)
             ELSE conflag.recording_key_type_problem(coalesce(a.attname, k.name), a.atttypid::regtype, p_table)
           END, ', ' ORDER BY k.position) || ')'
    INTO v_parts
    FROM unnest(p_key_columns) WITH ORDINALITY AS k(name, position)
    LEFT JOIN pg_catalog.pg_attribute a
      ON a.attrelid = p_table AND a.attname = k.name AND a.attnum > 0 AND NOT a.attisdropped;
  IF v_parts IS NULL THEN
    RAISE EXCEPTION 'conflag.recording_source.key_columns: no key columns are named'
      USING ERRCODE = 'CF403', HINT = 'SELECT * FROM conflag.recording_source; see docs/own-table.md.';
  END IF;
  RETURN v_parts;
END
$$;
COMMENT ON FUNCTION conflag.recording_key_sql(text, regclass, name[]) IS 'Internal: the SQL expression (over the row reference p_row) of the key of a row of p_table with the given key columns, as a JSON array; the same text form in every session. CF401/CF402 when a column is missing or of a type that cannot be a key.';

CREATE OR REPLACE FUNCTION conflag.recording_key_sql(p_row text)
RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT conflag.recording_key_sql(p_row, to_regclass(format('%I.%I', s.table_schema, s.table_name)), s.key_columns)
    FROM conflag.recording_source s
$$;
COMMENT ON FUNCTION conflag.recording_key_sql(text) IS 'Internal: the SQL expression (over the row reference p_row) of a recording''s key as a JSON array, for the mapped recordings table; the same text form in every session.';
