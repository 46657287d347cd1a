-- Statement-level BEFORE INSERT trigger function on a partitioned recordings table (trigger
-- conflag_log_routed_inserts): marks the statement, by its trigger depth, as one whose rows the statement-level
-- conflag_log_inserts logs in one go, so the row-level conflag_log_partition_inserts (which every partition has,
-- future ones too, because PostgreSQL clones row triggers) leaves those rows alone and logs only rows inserted
-- straight into a partition. conflag.log_inserted_recordings ends the mark. Transaction-local: a statement that
-- fails takes its mark along.
CREATE OR REPLACE FUNCTION conflag.mark_routed_inserts()
  RETURNS trigger
  LANGUAGE plpgsql
AS $function$
BEGIN
  -- pg_trigger_depth() counts this trigger; the row triggers' WHEN sees the statement's own depth.
  PERFORM set_config('conflag.routed_inserts', (pg_trigger_depth() - 1)::text, true);
  RETURN NULL;
END;
$function$;

COMMENT ON FUNCTION conflag.mark_routed_inserts() IS 'Trigger function (statement level, BEFORE INSERT on a partitioned recordings table): marks rows inserted through the partitioned table as logged per statement (conflag.log_inserted_recordings), not per row.';
