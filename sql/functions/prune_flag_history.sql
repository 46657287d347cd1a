-- Flag history retention: deletes conflag.flag_history rows older than p_now minus
-- conflag.settings.keep_flag_history_days, except each recording's newest row — so every recording whose flag
-- conflag changed keeps the answer to "why is this call confidential?" however old. (A deleted recording's newest
-- row stays too: the recordings table is the platform's, and its keys are not looked up here.) Called by
-- conflag.prune_history.
-- SECURITY DEFINER: the runner role may only INSERT into the history (it is append-only); deleting old rows is
-- this function's alone. Two copies never overlap (advisory lock; the second returns 0 at once). Bounded: at most
-- 20 batches of 5000 rows per call (old rows are found through the BRIN index on changed_at); returns the rows
-- deleted, so a backlog drains over several calls.
CREATE OR REPLACE FUNCTION conflag.prune_flag_history(p_now timestamptz DEFAULT now())
  RETURNS bigint
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
  cutoff timestamptz := p_now - make_interval(days => (SELECT s.keep_flag_history_days FROM conflag.settings s));
  deleted bigint := 0;
  n bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('conflag'), hashtext('conflag.prune_flag_history')) THEN
    RETURN 0;
  END IF;
  FOR i IN 1..20 LOOP
    DELETE FROM conflag.flag_history h
     WHERE h.ctid = ANY (ARRAY(
       SELECT o.ctid
         FROM conflag.flag_history o
        WHERE o.changed_at < cutoff
          AND EXISTS (SELECT 1 FROM conflag.flag_history newer
                       WHERE newer.recording_key = o.recording_key AND newer.changed_at > o.changed_at)
        LIMIT 5000));
    GET DIAGNOSTICS n = ROW_COUNT;
    deleted := deleted + n;
    EXIT WHEN n < 5000;
  END LOOP;
  RETURN deleted;
END;
$function$;

COMMENT ON FUNCTION conflag.prune_flag_history(timestamptz) IS 'Deletes conflag.flag_history rows older than p_now minus conflag.settings.keep_flag_history_days, always keeping each recording''s newest row. At most 100000 rows per call; returns the rows deleted. Called by conflag.prune_history; two copies never overlap.';
REVOKE EXECUTE ON FUNCTION conflag.prune_flag_history(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.prune_flag_history(timestamptz) TO conflag_runner;
