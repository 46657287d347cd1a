-- Links the run requests of a run's job that no run has answered yet — none yet, or only an attempt that is being
-- retried (retry_planned) — to the run, and records the first one as the run's request_id (once: a run answers
-- the requests it found when it started). Rows the request pickup holds right now are left to it (SKIP LOCKED):
-- it queues a run for them (src/service/claimRunRequests.ts). Called by a starting run under its job's start lock
-- (src/sql/startRun.ts). SECURITY DEFINER: the runner role may not UPDATE run_requests' run_id or job_runs.
CREATE OR REPLACE FUNCTION conflag.answer_run_requests(p_run_id bigint)
  RETURNS bigint
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
  run conflag.job_runs%ROWTYPE;
  first_id bigint;
BEGIN
  SELECT * INTO run FROM conflag.job_runs r WHERE r.id = p_run_id AND r.request_id IS NULL AND r.status IN ('running', 'skipped');
  IF NOT FOUND OR run.job_id IS NULL THEN
    RETURN NULL;
  END IF;
  WITH answered AS (
    UPDATE conflag.run_requests q SET run_id = run.id, picked_up_at = coalesce(q.picked_up_at, clock_timestamp())
     WHERE q.id IN (SELECT o.id FROM conflag.run_requests o
                     WHERE o.job_id = run.job_id
                       AND (o.run_id IS NULL OR o.run_id IN (SELECT k.id FROM conflag.job_runs k WHERE k.job_id = run.job_id AND k.retry_planned))
                       FOR UPDATE SKIP LOCKED)
    RETURNING q.id)
  SELECT min(a.id) INTO first_id FROM answered a;
  IF first_id IS NOT NULL THEN
    UPDATE conflag.job_runs SET request_id = first_id WHERE id = run.id;
  END IF;
  RETURN first_id;
END;
$function$;

COMMENT ON FUNCTION conflag.answer_run_requests(bigint) IS 'Internal (runner): links the unanswered run requests of run p_run_id''s job (no run yet, or a retried attempt) to that run and sets its request_id to the first of them, once. Returns that request id, or NULL.';
REVOKE EXECUTE ON FUNCTION conflag.answer_run_requests(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.answer_run_requests(bigint) TO conflag_runner;
