-- A fact is checked by the database before it is accepted (conflag.attributes_validate()).
CREATE OR REPLACE TRIGGER attributes_validate BEFORE INSERT OR UPDATE ON conflag.attributes
  FOR EACH ROW EXECUTE FUNCTION conflag.attributes_validate();
COMMENT ON TRIGGER attributes_validate ON conflag.attributes IS 'Refuses a fact whose name, type, table or expression conflag cannot use (CF420-CF424; conflag.attributes_validate).';
