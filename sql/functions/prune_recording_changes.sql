-- Deletes change-log rows no incremental job needs any more: rows of (committed) transactions that every stored
-- snapshot already sees — each incremental job's last successful run and any run in progress — so no next run
-- would consider them. Precise visibility (pg_visible_in_snapshot), not just an xmin horizon, so one long-lived
-- unrelated transaction does not hold the log back. The SHARE lock on conflag.job_incremental_state waits for a
-- run that is just recording its starting snapshot, so that snapshot is seen before anything it needs is
-- deleted. Bounded: at most 20 batches of 10000 rows per call; returns the number of rows deleted. SECURITY
-- DEFINER: the runner role may not DELETE from the change log (migration 0010).
CREATE OR REPLACE FUNCTION conflag.prune_recording_changes()
  RETURNS bigint
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
  snapshots pg_snapshot[];
  horizon xid8;
  deleted bigint := 0;
  n bigint;
BEGIN
  LOCK TABLE conflag.job_incremental_state IN SHARE MODE;
  SELECT coalesce(array_agg(s.snapshot), '{}')
    INTO snapshots
    FROM (SELECT last_snapshot AS snapshot FROM conflag.job_incremental_state WHERE last_snapshot IS NOT NULL
          UNION ALL
          SELECT running_snapshot FROM conflag.job_incremental_state WHERE running_snapshot IS NOT NULL) s;
  -- Nothing at or above a snapshot's xmax is visible in it: the index bounds the scan.
  SELECT min(pg_snapshot_xmax(s)) INTO horizon FROM unnest(snapshots) s;
  FOR i IN 1..20 LOOP
    DELETE FROM conflag.recording_changes c
     WHERE c.ctid = ANY (ARRAY(
             SELECT d.ctid FROM conflag.recording_changes d
              WHERE (horizon IS NULL OR d.xid < horizon)
                AND NOT EXISTS (SELECT 1 FROM unnest(snapshots) s WHERE NOT pg_visible_in_snapshot(d.xid, s))
              LIMIT 10000));
    GET DIAGNOSTICS n = ROW_COUNT;
    deleted := deleted + n;
    EXIT WHEN n < 10000;
  END LOOP;
  RETURN deleted;
END;
$function$;

COMMENT ON FUNCTION conflag.prune_recording_changes() IS 'Deletes conflag.recording_changes rows that no incremental job needs any more (seen by every stored snapshot). At most 200000 rows per call; returns how many it deleted. Called by conflag.prune_history().';
REVOKE EXECUTE ON FUNCTION conflag.prune_recording_changes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.prune_recording_changes() TO conflag_runner;
