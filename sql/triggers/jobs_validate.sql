-- Validates every job row before it is written: conflag.jobs_validate() refuses a bad INSERT or UPDATE with a CF
-- error naming the column, the value and what is allowed, and keeps updated_at.
CREATE OR REPLACE TRIGGER jobs_validate BEFORE INSERT OR UPDATE ON conflag.jobs
  FOR EACH ROW EXECUTE FUNCTION conflag.jobs_validate();
COMMENT ON TRIGGER jobs_validate ON conflag.jobs IS 'Refuses an invalid job with a CF error (conflag.jobs_validate); sets updated_at.';
