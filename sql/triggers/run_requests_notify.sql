-- Wakes the runners for a new run request, from conflag.request_run() or a direct INSERT (conflag.run_requests_notify()).
CREATE OR REPLACE TRIGGER run_requests_notify AFTER INSERT ON conflag.run_requests
  FOR EACH ROW EXECUTE FUNCTION conflag.run_requests_notify();
COMMENT ON TRIGGER run_requests_notify ON conflag.run_requests IS 'NOTIFY conflag_run_requests for each new request (conflag.run_requests_notify).';
