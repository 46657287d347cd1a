-- The change log of incremental jobs, for inserts: one INSERT ... SELECT per statement over the transition table,
-- so a bulk load pays once per statement, not per row (conflag.log_inserted_recordings()).
CREATE OR REPLACE TRIGGER recordings_log_inserts
  AFTER INSERT ON conflag.recordings
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION conflag.log_inserted_recordings();
COMMENT ON TRIGGER recordings_log_inserts ON conflag.recordings IS 'Logs inserted recordings in conflag.recording_changes (incremental jobs).';
