-- Keeps every change of a job in conflag.job_changes (conflag.jobs_audit()).
CREATE OR REPLACE TRIGGER jobs_audit AFTER INSERT OR UPDATE OR DELETE ON conflag.jobs
  FOR EACH ROW EXECUTE FUNCTION conflag.jobs_audit();
COMMENT ON TRIGGER jobs_audit ON conflag.jobs IS 'Writes each inserted, updated or deleted job to conflag.job_changes (conflag.jobs_audit).';
