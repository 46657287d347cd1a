-- Asks the runner for a manual run of a job, given by id (request_run(7), request_run(j.id)) or by name, any case
-- (request_run('Nightly')). The request is a row in conflag.run_requests; its insert trigger notifies the runner.
-- A disabled job may still be run this way. The name form resolves the job and calls the id form, so the request
-- itself is made in one place. A number needs no quotes: request_run(7) takes the bigint form (an integer
-- argument casts to bigint implicitly, never to text), a quoted '7' the text form, which looks for a job named
-- "7" first and then for id 7.
CREATE OR REPLACE FUNCTION conflag.request_run(p_job_id bigint)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  v_request_id bigint;
BEGIN
  IF NOT EXISTS (SELECT FROM conflag.jobs WHERE id = p_job_id) THEN
    RAISE EXCEPTION 'request_run: no job has id %', COALESCE(p_job_id::text, 'NULL')
      USING ERRCODE = 'CF030', HINT = 'SELECT id, name FROM conflag.jobs lists the jobs.';
  END IF;
  INSERT INTO conflag.run_requests (job_id) VALUES (p_job_id) RETURNING id INTO v_request_id;
  RETURN v_request_id;
END
$$;
COMMENT ON FUNCTION conflag.request_run(bigint) IS 'Requests a manual run of the job with this id, also when the job is disabled; returns the conflag.run_requests id. The runner picks it up (NOTIFY conflag_run_requests). Raises CF030 for an unknown id.';
REVOKE EXECUTE ON FUNCTION conflag.request_run(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.request_run(bigint) TO conflag_admin;

CREATE OR REPLACE FUNCTION conflag.request_run(p_job text)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  v_job_id bigint;
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
  RETURN conflag.request_run(v_job_id);
END
$$;
COMMENT ON FUNCTION conflag.request_run(text) IS 'Requests a manual run of a job given by name (case-insensitive) or id as text, also when the job is disabled; returns the conflag.run_requests id (see request_run(bigint)). Raises CF030 for an unknown job.';
REVOKE EXECUTE ON FUNCTION conflag.request_run(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conflag.request_run(text) TO conflag_admin;
