-- Refuses an execution time limit longer than a run can last (conflag.jobs_validate_time_limit()). Its name sorts
-- after jobs_validate, so PostgreSQL fires it after the general checks.
CREATE OR REPLACE TRIGGER jobs_validate_time_limit
  BEFORE INSERT OR UPDATE OF execution_time_limit_minutes ON conflag.jobs
  FOR EACH ROW
  EXECUTE FUNCTION conflag.jobs_validate_time_limit();
COMMENT ON TRIGGER jobs_validate_time_limit ON conflag.jobs IS 'Refuses execution_time_limit_minutes above 1435 (CF015).';
