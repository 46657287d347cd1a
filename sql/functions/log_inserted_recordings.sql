-- Statement-level AFTER INSERT trigger function on the mapped recordings table (conflag.recording_source, trigger
-- conflag_log_inserts, installed by conflag.install_change_log_triggers): appends every inserted recording's key
-- (conflag.recording_key_sql) with the inserting transaction's id to conflag.recording_changes, the change log
-- incremental jobs read. One INSERT ... SELECT per statement (transition table), so bulk loads pay once per
-- statement, not per row. On a partitioned table it fires for statements naming the partitioned table (rows routed
-- to any partition, future ones included) and ends the statement's "routed" mark (conflag.mark_routed_inserts), so
-- that rows inserted straight into a partition later are logged by conflag.log_partition_insert.
-- Does nothing on a table that is not (or no longer) mapped: see conflag.is_recordings_relation.
-- SECURITY DEFINER: the platform's inserting role needs no privilege on conflag's change log.
CREATE OR REPLACE FUNCTION conflag.log_inserted_recordings()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
  PERFORM set_config('conflag.routed_inserts', '', true);
  IF NOT conflag.is_recordings_relation(TG_RELID) THEN
    RETURN NULL;
  END IF;
  EXECUTE 'INSERT INTO conflag.recording_changes (xid, recording_key) SELECT pg_current_xact_id(), '
          || conflag.recording_key_sql('inserted') || ' FROM inserted';
  RETURN NULL;
END;
$function$;

COMMENT ON FUNCTION conflag.log_inserted_recordings() IS 'Trigger function (statement level, AFTER INSERT on the mapped recordings table, transition table "inserted"): logs (transaction id, recording key) in conflag.recording_changes for incremental jobs.';
