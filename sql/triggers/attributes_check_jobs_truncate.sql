-- TRUNCATE would take every fact jobs use (conflag.attributes_check_jobs()).
CREATE OR REPLACE TRIGGER attributes_check_jobs_truncate BEFORE TRUNCATE ON conflag.attributes
  FOR EACH STATEMENT EXECUTE FUNCTION conflag.attributes_check_jobs();
COMMENT ON TRIGGER attributes_check_jobs_truncate ON conflag.attributes IS 'Refuses TRUNCATE of the attributes while jobs exist (CF425; conflag.attributes_check_jobs).';
