-- Deletes change-log rows no incremental job needs any more: those of transactions visible in every stored
-- snapshot (each incremental job's last successful run and any run in progress), i.e. below the oldest snapshot's
-- xmin, and never above this session's own xmin. The SHARE lock on conflag.job_incremental_state waits for a
-- run that is just recording its starting snapshot, so that snapshot is seen before anything it needs is
-- deleted. Bounded: at most 20 batches of 10000 rows per call; returns the number of rows deleted.
CREATE OR REPLACE FUNCTION conflag.prune_recording_changes()
  RETURNS bigint
  LANGUAGE plpgsql
AS $function$
DECLARE
  horizon xid8;
  deleted bigint := 0;
  n bigint;
BEGIN
  LOCK TABLE conflag.job_incremental_state IN SHARE MODE;
  SELECT least(pg_snapshot_xmin(pg_current_snapshot()),
               min(pg_snapshot_xmin(s.last_snapshot)),
               min(pg_snapshot_xmin(s.running_snapshot)))
    INTO horizon
    FROM conflag.job_incremental_state s;
  FOR i IN 1..20 LOOP
    DELETE FROM conflag.recording_changes c
     WHERE c.ctid = ANY (ARRAY(SELECT d.ctid FROM conflag.recording_changes d WHERE d.xid < horizon LIMIT 10000));
    GET DIAGNOSTICS n = ROW_COUNT;
    deleted := deleted + n;
    EXIT WHEN n < 10000;
  END LOOP;
  RETURN deleted;
END;
$function$;

COMMENT ON FUNCTION conflag.prune_recording_changes() IS 'Deletes conflag.recording_changes rows that no incremental job needs any more (older than every stored snapshot). At most 200000 rows per call; returns how many it deleted. Called by conflag.prune_history().';
