-- Tells the runners which job changed (NOTIFY conflag_jobs, by conflag.jobs_notify()), so they reschedule at once.
CREATE OR REPLACE TRIGGER jobs_notify AFTER INSERT OR UPDATE OR DELETE ON conflag.jobs
  FOR EACH ROW EXECUTE FUNCTION conflag.jobs_notify();
COMMENT ON TRIGGER jobs_notify ON conflag.jobs IS 'NOTIFY conflag_jobs with the changed job''s id (conflag.jobs_notify).';
