-- A mapping is checked before it is written, and the one row stays (conflag.recording_source_validate()).
CREATE OR REPLACE TRIGGER recording_source_validate
  BEFORE INSERT OR UPDATE OF table_schema, table_name, key_columns, tenant_column, flag_column, changed_at_column, changed_by_run_column OR DELETE
  ON conflag.recording_source
  FOR EACH ROW EXECUTE FUNCTION conflag.recording_source_validate();
COMMENT ON TRIGGER recording_source_validate ON conflag.recording_source IS 'Refuses a mapping conflag cannot work on (CF401-CF407) and removing the row (CF410); sets updated_at (conflag.recording_source_validate).';
