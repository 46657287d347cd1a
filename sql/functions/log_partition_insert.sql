-- Row-level AFTER INSERT trigger function on a partitioned recordings table (trigger
-- conflag_log_partition_inserts, cloned by PostgreSQL onto every partition, including partitions created or attached
-- later): logs a recording inserted straight into a partition, which the statement-level conflag_log_inserts of the
-- partitioned table does not see. Rows inserted through the partitioned table are left to that one: the trigger's
-- WHEN skips them (conflag.mark_routed_inserts). Per row, so only direct inserts into partitions pay for it.
-- Does nothing on a table that is not (or no longer) mapped: see conflag.is_recordings_relation.
CREATE OR REPLACE FUNCTION conflag.log_partition_insert()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
  PERFORM conflag.log_recording_row(TG_RELID, NEW);
  RETURN NULL;
END;
$function$;

COMMENT ON FUNCTION conflag.log_partition_insert() IS 'Trigger function (row level, AFTER INSERT on a partitioned recordings table and its partitions, for rows inserted straight into a partition): logs (transaction id, recording key) in conflag.recording_changes.';
