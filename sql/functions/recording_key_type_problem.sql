-- A key column of a type conflag cannot give a session-independent text form: refused by name. Called where the
-- key expression is built (conflag.recording_key_sql), so an unsupported mapping fails loudly at its first use.
CREATE OR REPLACE FUNCTION conflag.recording_key_type_problem(p_column name, p_type regtype)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
  IF p_column IS NULL THEN
    RAISE EXCEPTION 'conflag.recording_source: a key column does not exist in the recordings table'
      USING ERRCODE = 'CF401', HINT = 'SELECT * FROM conflag.recording_source; see docs/own-table.md.';
  END IF;
  RAISE EXCEPTION 'conflag.recording_source: key column % has type %, which conflag cannot use in a key', p_column, p_type
    USING ERRCODE = 'CF402',
          HINT = 'Key columns may be smallint, integer, bigint, numeric, uuid, text, varchar, char, date, timestamp or timestamptz.';
END
$$;
COMMENT ON FUNCTION conflag.recording_key_type_problem(name, regtype) IS 'Internal: raises CF401 (a key column is missing) or CF402 (a key column''s type cannot be used in a key).';
