-- Audit rows come only from the jobs_audit trigger and are never edited (conflag.job_changes_guard()).
CREATE OR REPLACE TRIGGER job_changes_guard BEFORE INSERT OR UPDATE ON conflag.job_changes
  FOR EACH ROW EXECUTE FUNCTION conflag.job_changes_guard();
COMMENT ON TRIGGER job_changes_guard ON conflag.job_changes IS 'Refuses audit rows not written by the jobs_audit trigger, and any edit (conflag.job_changes_guard).';
