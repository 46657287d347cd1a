-- Row-level BEFORE UPDATE OF <every column except the flag and its audit columns> trigger function on the recordings
-- table (conflag.recording_source): logs the recording's key (conflag.recording_key_sql) as changed, so the next incremental run reconsiders it (a tag added tomorrow). conflag's own flag
-- updates only SET the flag and its audit columns, so they never fire it and never land in the log.
-- BEFORE, not AFTER: on a partitioned recordings table an UPDATE that moves a row to another partition fires
-- no AFTER UPDATE row trigger (it becomes a delete and an insert), but it does fire BEFORE UPDATE ones. The log
-- row is in the same transaction, so an update that fails takes it along.
CREATE OR REPLACE FUNCTION conflag.log_updated_recording()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
  EXECUTE 'INSERT INTO conflag.recording_changes (xid, recording_key) SELECT pg_current_xact_id(), '
          || conflag.recording_key_sql('($1)') USING NEW;
  RETURN NEW;
END;
$function$;

COMMENT ON FUNCTION conflag.log_updated_recording() IS 'Trigger function (row level, BEFORE UPDATE OF every column of the recordings table except the flag and its audit columns, when one of them changes): logs (transaction id, recording key) in conflag.recording_changes for incremental jobs.';
