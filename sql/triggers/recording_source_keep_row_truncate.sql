-- The one mapping row is changed, never truncated away (conflag.recording_source_validate()).
CREATE OR REPLACE TRIGGER recording_source_keep_row_truncate BEFORE TRUNCATE ON conflag.recording_source
  FOR EACH STATEMENT EXECUTE FUNCTION conflag.recording_source_validate();
COMMENT ON TRIGGER recording_source_keep_row_truncate ON conflag.recording_source IS 'Refuses TRUNCATE of the mapping (CF410, conflag.recording_source_validate).';
