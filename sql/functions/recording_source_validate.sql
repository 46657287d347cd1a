-- BEFORE INSERT / UPDATE OF the mapping / DELETE / TRUNCATE trigger on conflag.recording_source: a mapping is
-- checked before it is written, with an error naming the column, the value and what is allowed:
--   CF410  the table keeps its one row (map conflag.recordings again to stop using your table);
--   CF401  the table does not exist;  CF406  it is not a plain or partitioned table (or is a partition of one);
--   CF401-CF403  the key (conflag.check_recordings_key);  CF404  the other columns (conflag.check_recordings_columns);
--   CF407  conflag_runner's grants (conflag.check_runner_grants);  CF405  the tenants (conflag.check_recordings_tenants).
-- What a new mapping then does (refuse while runs are running, check the jobs, move the change-log triggers) is
-- conflag.recording_source_apply, AFTER the row is written.
CREATE OR REPLACE FUNCTION conflag.recording_source_validate()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  c_hint constant text := 'See docs/own-table.md.';
  v_table regclass;
  v_kind  "char";
  v_parent regclass;
BEGIN
  IF TG_OP IN ('DELETE', 'TRUNCATE') OR (TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM conflag.recording_source)) THEN
    RAISE EXCEPTION 'conflag.recording_source: the table has exactly one row, which cannot be %; change it with UPDATE conflag.recording_source SET ...',
      CASE TG_OP WHEN 'INSERT' THEN 'joined by another' ELSE 'removed' END
      USING ERRCODE = 'CF410',
            HINT = 'To stop using your own table, map conflag.recordings again: UPDATE conflag.recording_source SET table_schema = ''conflag'', table_name = ''recordings'', key_columns = ''{id}'', tenant_column = ''tenant_id'', flag_column = ''confidential'', changed_at_column = ''confidential_changed_at'', changed_by_run_column = ''confidential_changed_by_run''. ' || c_hint;
  END IF;
  IF NEW.table_schema IS NULL OR NEW.table_name IS NULL THEN
    RAISE EXCEPTION 'conflag.recording_source: table_schema and table_name must name a table, not NULL' USING ERRCODE = 'CF401', HINT = c_hint;
  END IF;
  v_table := to_regclass(format('%I.%I', NEW.table_schema, NEW.table_name));
  IF v_table IS NULL THEN
    RAISE EXCEPTION 'conflag.recording_source: table %.% does not exist', quote_ident(NEW.table_schema), quote_ident(NEW.table_name)
      USING ERRCODE = 'CF401', HINT = 'table_schema and table_name are names as in the catalog (case-sensitive, without quotes). ' || c_hint;
  END IF;
  SELECT c.relkind INTO v_kind FROM pg_class c WHERE c.oid = v_table;
  v_parent := (SELECT i.inhparent::regclass FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhrelid = v_table AND c.relispartition);
  IF v_kind NOT IN ('r', 'p') OR v_parent IS NOT NULL THEN
    RAISE EXCEPTION 'conflag.recording_source: % is %; conflag flags recordings in a plain or a partitioned table', v_table,
      CASE WHEN v_parent IS NOT NULL THEN format('a partition of %s (map %s itself)', v_parent, v_parent)
           ELSE CASE v_kind WHEN 'v' THEN 'a view' WHEN 'm' THEN 'a materialized view' WHEN 'f' THEN 'a foreign table' ELSE format('not a table (relkind %s)', v_kind) END END
      USING ERRCODE = 'CF406', HINT = c_hint;
  END IF;
  PERFORM conflag.check_recordings_key(v_table, NEW.key_columns);
  PERFORM conflag.check_recordings_columns(v_table, NEW.key_columns, NEW.tenant_column, NEW.flag_column, NEW.changed_at_column, NEW.changed_by_run_column);
  PERFORM conflag.check_runner_grants(v_table, ARRAY[NEW.flag_column, NEW.changed_at_column, NEW.changed_by_run_column]::name[]);
  IF TG_OP = 'INSERT' OR (NEW.table_schema, NEW.table_name, NEW.tenant_column) IS DISTINCT FROM (OLD.table_schema, OLD.table_name, OLD.tenant_column) THEN
    PERFORM conflag.check_recordings_tenants(v_table, NEW.tenant_column);
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION conflag.recording_source_validate() IS 'Trigger (BEFORE INSERT, UPDATE of the mapping, DELETE, TRUNCATE on conflag.recording_source): refuses a mapping conflag cannot work on (CF401-CF407) and removing the one row (CF410); sets updated_at.';
