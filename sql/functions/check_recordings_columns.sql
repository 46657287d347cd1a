-- Checks the columns a mapping names besides the key (conflag.recording_source) before it is written (CF404):
-- each exists; the flag is boolean NOT NULL, the optional changed-at column timestamptz and changed-by-run column bigint;
-- conflag can write them (not generated, not an identity GENERATED ALWAYS); and each column has one role (the flag
-- is neither a key column nor the tenant, and so on). Any type works for the tenant: its text form is compared
-- with conflag.tenants ids.
CREATE OR REPLACE FUNCTION conflag.check_recordings_columns(
  p_table regclass, p_key_columns name[], p_tenant_column name, p_flag_column name, p_changed_at_column name, p_changed_by_run_column name)
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  v_role   record;
  v_column record;
  v_taken  name[] := p_key_columns;
BEGIN
  FOR v_role IN
    SELECT * FROM (VALUES
      (1, 'tenant_column', p_tenant_column, NULL::regtype, false, true),
      (2, 'flag_column', p_flag_column, 'boolean'::regtype, true, true),
      (3, 'changed_at_column', p_changed_at_column, 'timestamptz'::regtype, true, false),
      (4, 'changed_by_run_column', p_changed_by_run_column, 'bigint'::regtype, true, false)) AS r(position, field, name, type, written, required)
    ORDER BY position
  LOOP
    IF v_role.name IS NULL THEN
      IF v_role.required THEN
        RAISE EXCEPTION 'conflag.recording_source.%: NULL is not allowed; name a column of %', v_role.field, p_table
          USING ERRCODE = 'CF404', HINT = 'See docs/own-table.md.';
      END IF;
      CONTINUE;
    END IF;
    SELECT a.atttypid::regtype AS type, a.attgenerated, a.attidentity, a.attnotnull INTO v_column
      FROM pg_attribute a WHERE a.attrelid = p_table AND a.attname = v_role.name AND a.attnum > 0 AND NOT a.attisdropped;
    IF v_column.type IS NULL THEN
      RAISE EXCEPTION 'conflag.recording_source.%: column % does not exist in %', v_role.field, quote_ident(v_role.name), p_table
        USING ERRCODE = 'CF404',
              HINT = format('Columns of %s: %s.', p_table, (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
                                                             WHERE a.attrelid = p_table AND a.attnum > 0 AND NOT a.attisdropped));
    END IF;
    IF v_role.type IS NOT NULL AND v_column.type <> v_role.type THEN
      RAISE EXCEPTION 'conflag.recording_source.%: column % of % has type %; it must be %', v_role.field, quote_ident(v_role.name), p_table, v_column.type, v_role.type
        USING ERRCODE = 'CF404', HINT = 'See docs/own-table.md.';
    END IF;
    -- A NULL flag would be a third state: neither confidential nor not, and the flag history could not say what a
    -- run changed it from.
    IF v_role.field = 'flag_column' AND NOT v_column.attnotnull THEN
      RAISE EXCEPTION 'conflag.recording_source.flag_column: column % of % may be NULL; the flag must be NOT NULL (true or false)', quote_ident(v_role.name), p_table
        USING ERRCODE = 'CF404',
              HINT = format('UPDATE %1$s SET %2$I = false WHERE %2$I IS NULL; ALTER TABLE %1$s ALTER COLUMN %2$I SET NOT NULL; (if NULL means not confidential). See docs/own-table.md.', p_table, v_role.name);
    END IF;
    IF v_role.written AND (v_column.attgenerated <> '' OR v_column.attidentity = 'a') THEN
      RAISE EXCEPTION 'conflag.recording_source.%: column % of % is % and cannot be written', v_role.field, quote_ident(v_role.name), p_table,
        CASE WHEN v_column.attgenerated <> '' THEN 'generated' ELSE 'an identity GENERATED ALWAYS' END
        USING ERRCODE = 'CF404', HINT = 'conflag writes this column; name a plain column.';
    END IF;
    IF v_role.name = ANY (v_taken) THEN
      RAISE EXCEPTION 'conflag.recording_source.%: column % already has another role in the mapping (key, tenant, flag, changed at, changed by run)',
        v_role.field, quote_ident(v_role.name)
        USING ERRCODE = 'CF404', HINT = 'Each column of the mapping must be a different one (the tenant may not be a key column either).';
    END IF;
    v_taken := v_taken || v_role.name;
  END LOOP;
END
$$;
COMMENT ON FUNCTION conflag.check_recordings_columns(regclass, name[], name, name, name, name) IS 'Internal: raises CF404 unless the tenant, flag (boolean NOT NULL) and optional changed-at/changed-by-run columns exist with the right types, can be written, and differ from each other and the key.';
