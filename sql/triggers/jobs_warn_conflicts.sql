-- Warns (does not refuse) when a job may fight a job of the opposite action: conflag.jobs_warn_conflicts().
CREATE OR REPLACE TRIGGER jobs_warn_conflicts AFTER INSERT OR UPDATE ON conflag.jobs
  FOR EACH ROW EXECUTE FUNCTION conflag.jobs_warn_conflicts();
COMMENT ON TRIGGER jobs_warn_conflicts ON conflag.jobs IS 'WARNING CF050 when an enabled job may select the same recordings as an enabled job of the opposite action (conflag.jobs_warn_conflicts).';
