-- Run-now requests taken by a runner (src/service/claimRunRequests.ts), in the caller's transaction: up to
-- p_limit requests nobody took yet, oldest first, marked picked_up_at (once: NULL -> a time) — FOR UPDATE SKIP
-- LOCKED, so with several runners each request is taken once. Returns them with their job's time limit.
-- SECURITY DEFINER: the runner role may not UPDATE conflag.run_requests (migration 0010).
CREATE OR REPLACE FUNCTION conflag.claim_run_requests(p_limit integer)
  RETURNS TABLE (id bigint, job_id bigint, time_limit integer)
  LANGUAGE sql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
  WITH c AS (
    SELECT r.id FROM conflag.run_requests r
     WHERE r.picked_up_at IS NULL
     ORDER BY r.id
     LIMIT p_limit
       FOR UPDATE SKIP LOCKED)
  UPDATE conflag.run_requests r SET picked_up_at = clock_timestamp()
    FROM c
   WHERE r.id = c.id
  RETURNING r.id, r.job_id, (SELECT j.execution_time_limit_minutes FROM conflag.jobs j WHERE j.id = r.job_id);
$function$;

COMMENT ON FUNCTION conflag.claim_run_requests(integer) IS 'Internal (runner): takes up to p_limit run requests nobody took yet (picked_up_at = now), skipping rows another runner holds; returns them with their job''s execution_time_limit_minutes.';
REVOKE EXECUTE ON FUNCTION conflag.claim_run_requests(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.claim_run_requests(integer) TO conflag_runner;
