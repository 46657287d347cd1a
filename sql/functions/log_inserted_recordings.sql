-- Statement-level AFTER INSERT trigger function on the recordings table (conflag.recording_source): appends every
-- inserted recording's key (conflag.recording_key_sql) with the inserting transaction's id to
-- conflag.recording_changes, the change log incremental jobs read. One INSERT ... SELECT per statement
-- (transition table), so bulk loads pay once per statement, not per row.
-- SECURITY DEFINER: the platform's inserting role needs no privilege on conflag's change log.
CREATE OR REPLACE FUNCTION conflag.log_inserted_recordings()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
  EXECUTE 'INSERT INTO conflag.recording_changes (xid, recording_key) SELECT pg_current_xact_id(), '
          || conflag.recording_key_sql('inserted') || ' FROM inserted';
  RETURN NULL;
END;
$function$;

COMMENT ON FUNCTION conflag.log_inserted_recordings() IS 'Trigger function (statement level, AFTER INSERT on the recordings table, transition table "inserted"): logs (transaction id, recording key) in conflag.recording_changes for incremental jobs.';
