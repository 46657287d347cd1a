-- Row-level BEFORE UPDATE trigger function on the mapped recordings table (conflag.recording_source, trigger
-- conflag_log_updates, installed by conflag.install_change_log_triggers): logs the recording's key
-- (conflag.recording_key_sql) as changed when its data changed, so the next incremental run reconsiders it (a tag
-- added tomorrow). The trigger's arguments name the columns that are not data (the flag, its audit columns, generated
-- columns): the row is compared as JSON without them, so a hand edit of the flag and an update that sets columns to
-- what they were are not logged — and a column the platform adds later is compared without anyone listing it.
-- conflag's own flag updates never call it: the trigger's WHEN skips transactions that set conflag.writing_flags
-- (src/run/runBatches.ts), so a run pays nothing per row.
-- BEFORE, not AFTER: on a partitioned recordings table an UPDATE that moves a row to another partition fires
-- no AFTER UPDATE row trigger (it becomes a delete and an insert), but it does fire BEFORE UPDATE ones. The log
-- row is in the same transaction, so an update that fails takes it along.
-- Does nothing on a table that is not (or no longer) mapped: see conflag.is_recordings_relation.
CREATE OR REPLACE FUNCTION conflag.log_updated_recording()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
  IF (to_jsonb(OLD) - TG_ARGV) IS DISTINCT FROM (to_jsonb(NEW) - TG_ARGV) THEN
    PERFORM conflag.log_recording_row(TG_RELID, NEW);
  END IF;
  RETURN NEW;
END;
$function$;

COMMENT ON FUNCTION conflag.log_updated_recording() IS 'Trigger function (row level, BEFORE UPDATE on the mapped recordings table, except conflag''s own flag updates; arguments: the columns that are not data): logs (transaction id, recording key) of a recording whose data changed in conflag.recording_changes for incremental jobs.';
