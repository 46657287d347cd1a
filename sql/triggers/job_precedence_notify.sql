-- Tells the runners that a losing job's selection changed (conflag.job_precedence_notify).
CREATE OR REPLACE TRIGGER job_precedence_notify AFTER INSERT OR UPDATE OR DELETE ON conflag.job_precedence
  FOR EACH ROW EXECUTE FUNCTION conflag.job_precedence_notify();
COMMENT ON TRIGGER job_precedence_notify ON conflag.job_precedence IS 'NOTIFY conflag_jobs with the losing job''s id (conflag.job_precedence_notify).';
