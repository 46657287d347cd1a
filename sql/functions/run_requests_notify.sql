-- AFTER INSERT trigger on conflag.run_requests: wakes the runner for a new manual run request, whether it
-- came from conflag.request_run() or from a direct INSERT.
CREATE OR REPLACE FUNCTION conflag.run_requests_notify()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM pg_notify('conflag_run_requests', format('{"request_id":%s,"job_id":%s}', NEW.id, NEW.job_id));
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.run_requests_notify() IS 'Trigger (AFTER INSERT on conflag.run_requests): NOTIFY conflag_run_requests with {"request_id":N,"job_id":M}.';
