-- A key column of a type conflag cannot give a session-independent text form, or one that does not exist: refused
-- by name. Called where the key expression is built (conflag.recording_key_sql), which the mapping's validation
-- does before a key is written, so an unsupported key never becomes the mapping.
CREATE OR REPLACE FUNCTION conflag.recording_key_type_problem(p_column name, p_type regtype, p_table regclass)
RETURNS text
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  IF p_type IS NULL THEN
    RAISE EXCEPTION 'conflag.recording_source.key_columns: column % does not exist in %', quote_ident(p_column), p_table
      USING ERRCODE = 'CF401',
            HINT = format('Columns of %s: %s. See docs/own-table.md.', p_table,
                          (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
                            WHERE a.attrelid = p_table AND a.attnum > 0 AND NOT a.attisdropped));
  END IF;
  RAISE EXCEPTION 'conflag.recording_source.key_columns: key column % of % has type %, which conflag cannot use in a key', quote_ident(p_column), p_table, p_type
    USING ERRCODE = 'CF402',
          HINT = 'Key columns may be smallint, integer, bigint, numeric, uuid, text, varchar, char, date, timestamp or timestamptz.';
END
$$;
COMMENT ON FUNCTION conflag.recording_key_type_problem(name, regtype, regclass) IS 'Internal: raises CF401 (a key column of the table is missing) or CF402 (a key column''s type cannot be used in a key).';
