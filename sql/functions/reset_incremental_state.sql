-- Lets a DBA make an incremental job start over: forgets the recordings it processed and its last snapshot, so
-- its next run considers the whole table again (and can set a flag that was cleared by hand). Takes the job's
-- advisory lock that a starting run also takes, and refuses while the job is running (a running run whose session
-- is gone is recorded as interrupted first: it does not block the reset). The job is given by id
-- (reset_incremental_state(5), reset_incremental_state(j.id)) or by name, any case; the name form resolves the
-- job and calls the id form. SECURITY DEFINER: the runner role may not DELETE the processed recordings or the
-- incremental state itself (migration 0010); forgetting them goes through here, under the job's lock.
CREATE OR REPLACE FUNCTION conflag.reset_incremental_state(job_id bigint)
  RETURNS bigint
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
  target conflag.jobs%ROWTYPE;
  running_id bigint;
  forgotten bigint;
BEGIN
  SELECT * INTO target FROM conflag.jobs j WHERE j.id = reset_incremental_state.job_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'reset_incremental_state: no job has id %', COALESCE(reset_incremental_state.job_id::text, 'NULL')
      USING ERRCODE = 'CF301', HINT = 'Give a job''s id or name (any case): SELECT id, name FROM conflag.jobs;';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('conflag.job'), (target.id % 2147483647)::integer);
  PERFORM conflag.interrupt_dead_run(target.id, 'conflag.reset_incremental_state');
  SELECT r.id INTO running_id FROM conflag.job_runs r WHERE r.job_id = target.id AND r.status = 'running';
  IF FOUND THEN
    RAISE EXCEPTION 'reset_incremental_state: job "%" is running (run %); its state cannot be reset now', target.name, running_id
      USING ERRCODE = 'CF302', HINT = 'Wait for the run to finish (SELECT * FROM conflag.job_status), then reset.';
  END IF;
  DELETE FROM conflag.job_processed_recordings p WHERE p.job_id = target.id;
  GET DIAGNOSTICS forgotten = ROW_COUNT;
  DELETE FROM conflag.job_incremental_state s WHERE s.job_id = target.id;
  RETURN forgotten;
END;
$function$;

COMMENT ON FUNCTION conflag.reset_incremental_state(bigint) IS 'Makes an incremental job (by id) start over: forgets the recordings it processed and its last snapshot. Returns how many processed recordings were forgotten. Refuses (CF302) while the job is running; CF301 for an unknown id.';
REVOKE EXECUTE ON FUNCTION conflag.reset_incremental_state(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.reset_incremental_state(bigint) TO conflag_runner, conflag_admin;

CREATE OR REPLACE FUNCTION conflag.reset_incremental_state(job text)
  RETURNS bigint
  LANGUAGE plpgsql
AS $function$
DECLARE
  target_id bigint;
BEGIN
  SELECT j.id INTO target_id FROM conflag.jobs j
   WHERE (job ~ '^[0-9]{1,18}$' AND j.id = job::bigint) OR lower(j.name) = lower(job)
   ORDER BY (j.id::text = job) DESC
   LIMIT 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'reset_incremental_state: job "%" does not exist', job
      USING ERRCODE = 'CF301', HINT = 'Give a job''s name (any case) or id: SELECT id, name FROM conflag.jobs;';
  END IF;
  RETURN conflag.reset_incremental_state(target_id);
END;
$function$;

COMMENT ON FUNCTION conflag.reset_incremental_state(text) IS 'Makes an incremental job (by name, any case, or id as text) start over: see reset_incremental_state(bigint). Returns how many processed recordings were forgotten. Refuses (CF302) while the job is running.';
REVOKE EXECUTE ON FUNCTION conflag.reset_incremental_state(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.reset_incremental_state(text) TO conflag_runner, conflag_admin;
