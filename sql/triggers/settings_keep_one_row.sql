-- The one settings row is edited, never deleted (conflag.settings_keep_one_row()).
CREATE OR REPLACE TRIGGER settings_keep_one_row BEFORE DELETE ON conflag.settings
  FOR EACH ROW EXECUTE FUNCTION conflag.settings_keep_one_row();
COMMENT ON TRIGGER settings_keep_one_row ON conflag.settings IS 'Refuses deleting the settings row (conflag.settings_keep_one_row).';
