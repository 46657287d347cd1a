-- Row-level AFTER UPDATE OF <every column except confidential*> trigger function on conflag.recordings: logs the
-- recording as changed, so the next incremental run reconsiders it (a tag added tomorrow). conflag's own flag
-- updates only SET confidential and its two audit columns, so they never fire it and never land in the log.
CREATE OR REPLACE FUNCTION conflag.log_updated_recording()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
  INSERT INTO conflag.recording_changes (xid, recording_id) VALUES (pg_current_xact_id(), NEW.id);
  RETURN NULL;
END;
$function$;

COMMENT ON FUNCTION conflag.log_updated_recording() IS 'Trigger function (row level, AFTER UPDATE OF every column of conflag.recordings except confidential*): logs (transaction id, recording id) in conflag.recording_changes for incremental jobs.';
