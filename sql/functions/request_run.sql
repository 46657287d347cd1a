-- Asks the runner for a manual run of a job, given by name (any case) or by id. The request is a row in
-- conflag.run_requests; its insert trigger notifies the runner. A disabled job may still be run this way.
CREATE OR REPLACE FUNCTION conflag.request_run(p_job text)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  v_job_id     bigint;
  v_request_id bigint;
BEGIN
  -- By name first: names are unique ignoring case, so a job named "42" is found before job id 42.
  SELECT id INTO v_job_id FROM conflag.jobs WHERE lower(name) = lower(p_job);
  IF v_job_id IS NULL AND p_job ~ '^\s*[0-9]{1,18}\s*$' THEN
    SELECT id INTO v_job_id FROM conflag.jobs WHERE id = btrim(p_job)::bigint;
  END IF;
  IF v_job_id IS NULL THEN
    RAISE EXCEPTION 'request_run: no job is named %, nor has that id', COALESCE(to_jsonb(p_job)::text, 'NULL')
      USING ERRCODE = 'CF030', HINT = 'SELECT id, name FROM conflag.jobs lists the jobs.';
  END IF;
  INSERT INTO conflag.run_requests (job_id) VALUES (v_job_id) RETURNING id INTO v_request_id;
  RETURN v_request_id;
END
$$;
COMMENT ON FUNCTION conflag.request_run(text) IS 'Requests a manual run of a job given by name (case-insensitive) or id, also when the job is disabled; returns the conflag.run_requests id. The runner picks it up (NOTIFY conflag_run_requests). Raises CF030 for an unknown job.';
REVOKE EXECUTE ON FUNCTION conflag.request_run(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.request_run(text) TO conflag_admin;
