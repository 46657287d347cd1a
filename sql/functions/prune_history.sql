-- History retention: deletes finished runs (any status but 'running') that finished more than their job's
-- keep_history_days before p_now, always keeping each job's newest run and newest successful run (job_status
-- and "first_consecutive" notifications read them). Runs of deleted jobs (job_id NULL) keep the default 60 days.
-- Also deletes leftover candidate and batch-transaction lists of runs no longer running and prunes the change log
-- (conflag.prune_recording_changes). Two copies never overlap (advisory lock; the second returns 0 at once).
-- Bounded: at most 20 batches of 1000 runs per call; returns the number of runs deleted (call again while > 0).
CREATE OR REPLACE FUNCTION conflag.prune_history(p_now timestamptz DEFAULT now())
  RETURNS integer
  LANGUAGE plpgsql
AS $function$
DECLARE
  deleted integer := 0;
  n integer;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('conflag'), hashtext('conflag.prune_history')) THEN
    RETURN 0;
  END IF;
  FOR i IN 1..20 LOOP
    DELETE FROM conflag.job_runs
     WHERE id IN (
       SELECT r.id
         FROM conflag.job_runs r
         LEFT JOIN conflag.jobs j ON j.id = r.job_id
        WHERE r.status <> 'running'
          AND r.finished_at < p_now - make_interval(days => coalesce(j.keep_history_days, 60))
          AND (r.job_id IS NULL OR r.id <> (SELECT max(k.id) FROM conflag.job_runs k WHERE k.job_id = r.job_id))
          AND (r.job_id IS NULL OR r.status <> 'succeeded'
               OR r.id <> (SELECT max(k.id) FROM conflag.job_runs k WHERE k.job_id = r.job_id AND k.status = 'succeeded'))
        ORDER BY r.id
        LIMIT 1000);
    GET DIAGNOSTICS n = ROW_COUNT;
    deleted := deleted + n;
    EXIT WHEN n < 1000;
  END LOOP;
  DELETE FROM conflag.run_candidates c
   WHERE NOT EXISTS (SELECT 1 FROM conflag.job_runs r WHERE r.id = c.run_id AND r.status = 'running');
  DELETE FROM conflag.run_batch_xids x
   WHERE NOT EXISTS (SELECT 1 FROM conflag.job_runs r WHERE r.id = x.run_id AND r.status = 'running');
  PERFORM conflag.prune_recording_changes();
  RETURN deleted;
END;
$function$;

COMMENT ON FUNCTION conflag.prune_history(timestamptz) IS 'Deletes finished runs older than their job''s keep_history_days (keeping each job''s newest run and newest successful run), leftover candidate lists, and change-log rows no incremental job needs. At most 20000 runs per call; returns the number of runs deleted. Two copies never overlap.';
REVOKE EXECUTE ON FUNCTION conflag.prune_history(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.prune_history(timestamptz) TO conflag_runner;
