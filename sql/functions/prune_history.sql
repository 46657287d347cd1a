-- History retention, as the product defines it: successful (and stopped and skipped) runs are kept for their job's
-- keep_history_days; failed and aborted runs for conflag.settings.keep_failed_runs_days, or the job's
-- keep_history_days when that is longer — failures are what people come back to. Always kept: each job's newest
-- run and newest successful run (job_status and "first_consecutive" notifications read them). Runs of deleted
-- jobs (job_id NULL) count as keep_history_days 60. What a pruned run changed is added to
-- conflag.job_pruned_totals in the same statement (lifetime totals in conflag.job_report); its detailed log and
-- e-mail go with it (ON DELETE CASCADE); its flag changes stay in conflag.flag_history, which does not need it.
-- Also deletes leftover candidate and batch-transaction lists of runs no longer running, prunes the flag history
-- (conflag.prune_flag_history) and the change log (conflag.prune_recording_changes). p_now is the reference
-- time, for tests and for catching up. Two copies never overlap (advisory lock; the second returns 0 at once).
-- Bounded: at most 20 batches of 1000 runs per call; returns the number of runs deleted (call again while 20000).
-- SECURITY DEFINER: it is the one routine that deletes history; the runner role may not DELETE from job_runs or
-- the change log, nor write job_pruned_totals (migration 0010).
CREATE OR REPLACE FUNCTION conflag.prune_history(p_now timestamptz DEFAULT now())
  RETURNS integer
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
  deleted integer := 0;
  n integer;
  keep_failed integer := (SELECT s.keep_failed_runs_days FROM conflag.settings s);
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('conflag'), hashtext('conflag.prune_history')) THEN
    RETURN 0;
  END IF;
  FOR i IN 1..20 LOOP
    WITH gone AS (
      DELETE FROM conflag.job_runs
       WHERE id IN (
         SELECT r.id
           FROM conflag.job_runs r
           LEFT JOIN conflag.jobs j ON j.id = r.job_id
          WHERE r.status <> 'running'
            AND r.finished_at < p_now - make_interval(days => CASE
                  WHEN r.status IN ('failed', 'aborted') THEN greatest(coalesce(j.keep_history_days, 60), keep_failed)
                  ELSE coalesce(j.keep_history_days, 60) END)
            AND (r.job_id IS NULL OR r.id <> (SELECT max(k.id) FROM conflag.job_runs k WHERE k.job_id = r.job_id))
            AND (r.job_id IS NULL OR r.status <> 'succeeded'
                 OR r.id <> (SELECT max(k.id) FROM conflag.job_runs k WHERE k.job_id = r.job_id AND k.status = 'succeeded'))
          ORDER BY r.id
          LIMIT 1000)
      RETURNING job_id, changed
    ), totals AS (
      INSERT INTO conflag.job_pruned_totals AS t (job_id, runs, changed)
      SELECT g.job_id, count(*), sum(g.changed) FROM gone g WHERE g.job_id IS NOT NULL GROUP BY g.job_id
      ON CONFLICT (job_id) DO UPDATE SET runs = t.runs + EXCLUDED.runs, changed = t.changed + EXCLUDED.changed
    )
    SELECT count(*) INTO n FROM gone;
    deleted := deleted + n;
    EXIT WHEN n < 1000;
  END LOOP;
  DELETE FROM conflag.run_candidates c
   WHERE NOT EXISTS (SELECT 1 FROM conflag.job_runs r WHERE r.id = c.run_id AND r.status = 'running');
  DELETE FROM conflag.run_batch_xids x
   WHERE NOT EXISTS (SELECT 1 FROM conflag.job_runs r WHERE r.id = x.run_id AND r.status = 'running');
  PERFORM conflag.prune_flag_history(p_now);
  PERFORM conflag.prune_recording_changes();
  RETURN deleted;
END;
$function$;

COMMENT ON FUNCTION conflag.prune_history(timestamptz) IS 'Deletes finished runs older than p_now minus their job''s keep_history_days (failed and aborted: conflag.settings.keep_failed_runs_days when longer), keeping each job''s newest run and newest successful run and adding what they changed to conflag.job_pruned_totals; then leftover candidate lists, old flag history (conflag.prune_flag_history) and change-log rows no incremental job needs. At most 20000 runs per call; returns the number of runs deleted. Two copies never overlap.';
REVOKE EXECUTE ON FUNCTION conflag.prune_history(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.prune_history(timestamptz) TO conflag_runner;
