-- Refuses a precedence that settles nothing (conflag.job_precedence_validate, CF040).
CREATE OR REPLACE TRIGGER job_precedence_validate BEFORE INSERT OR UPDATE ON conflag.job_precedence
  FOR EACH ROW EXECUTE FUNCTION conflag.job_precedence_validate();
COMMENT ON TRIGGER job_precedence_validate ON conflag.job_precedence IS 'Both jobs exist, differ, have opposite actions, and the precedence is not already the other way round (conflag.job_precedence_validate).';
