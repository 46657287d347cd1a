-- What a new mapping does, once it is valid: runs and jobs checked, incremental state of another table forgotten,
-- change-log triggers and run-scope policies moved (conflag.recording_source_apply()).
CREATE OR REPLACE TRIGGER recording_source_apply
  AFTER INSERT OR UPDATE OF table_schema, table_name, key_columns, tenant_column, flag_column, changed_at_column, changed_by_run_column
  ON conflag.recording_source
  FOR EACH ROW EXECUTE FUNCTION conflag.recording_source_apply();
COMMENT ON TRIGGER recording_source_apply ON conflag.recording_source IS 'Refuses a new mapping while runs are in progress (CF408) or jobs would not run on it (CF409); moves the change-log triggers and the run-scope policies (conflag.recording_source_apply).';
