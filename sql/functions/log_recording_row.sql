-- Appends one recording to the change log (conflag.recording_changes): its key (conflag.recording_key_sql) with the
-- current transaction's id. Shared by the row-level change-log trigger functions (conflag.log_updated_recording,
-- conflag.log_partition_insert), which pass their row and the table it is in; a table that is not (or no longer)
-- mapped is left alone (conflag.is_recordings_relation).
CREATE OR REPLACE FUNCTION conflag.log_recording_row(p_relation oid, p_row anyelement)
  RETURNS void
  LANGUAGE plpgsql
AS $function$
BEGIN
  IF conflag.is_recordings_relation(p_relation) THEN
    EXECUTE 'INSERT INTO conflag.recording_changes (xid, recording_key) SELECT pg_current_xact_id(), '
            || conflag.recording_key_sql('($1)') USING p_row;
  END IF;
END;
$function$;

COMMENT ON FUNCTION conflag.log_recording_row(oid, anyelement) IS 'Internal: logs one row of the mapped recordings table (or of one of its partitions) in conflag.recording_changes.';
