-- Row-level BEFORE UPDATE OF <every column except confidential*> trigger function on conflag.recordings: logs the
-- recording as changed, so the next incremental run reconsiders it (a tag added tomorrow). conflag's own flag
-- updates only SET confidential and its two audit columns, so they never fire it and never land in the log.
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
  INSERT INTO conflag.recording_changes (xid, recording_id) VALUES (pg_current_xact_id(), NEW.id);
  RETURN NEW;
END;
$function$;

COMMENT ON FUNCTION conflag.log_updated_recording() IS 'Trigger function (row level, BEFORE UPDATE OF every column of conflag.recordings except confidential*, when one of them changes): logs (transaction id, recording id) in conflag.recording_changes for incremental jobs.';
