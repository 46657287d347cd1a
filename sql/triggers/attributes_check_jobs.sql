-- A fact jobs use stays while they use it (conflag.attributes_check_jobs()).
CREATE OR REPLACE TRIGGER attributes_check_jobs AFTER UPDATE OR DELETE ON conflag.attributes
  FOR EACH ROW EXECUTE FUNCTION conflag.attributes_check_jobs();
COMMENT ON TRIGGER attributes_check_jobs ON conflag.attributes IS 'Refuses removing, renaming or retyping a fact of the mapped table that a job''s condition uses (CF425; conflag.attributes_check_jobs).';
