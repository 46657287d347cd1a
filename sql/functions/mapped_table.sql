-- The mapped recordings table (conflag.recording_source) as a regclass; CF401 when it no longer exists (dropped or
-- renamed after it was mapped). For the routines that put conflag's triggers and policies on it.
CREATE OR REPLACE FUNCTION conflag.mapped_table()
RETURNS regclass
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  v_source conflag.recording_source%ROWTYPE;
  v_table  regclass;
BEGIN
  SELECT * INTO v_source FROM conflag.recording_source;
  v_table := to_regclass(format('%I.%I', v_source.table_schema, v_source.table_name));
  IF v_table IS NULL THEN
    RAISE EXCEPTION 'conflag.recording_source: the recordings table %.% does not exist', quote_ident(v_source.table_schema), quote_ident(v_source.table_name)
      USING ERRCODE = 'CF401', HINT = 'Map an existing table: UPDATE conflag.recording_source SET ...; see docs/own-table.md.';
  END IF;
  RETURN v_table;
END
$$;
COMMENT ON FUNCTION conflag.mapped_table() IS 'Internal: the mapped recordings table (conflag.recording_source) as a regclass; raises CF401 when it does not exist.';
