-- The one settings row is edited, never truncated away (conflag.settings_keep_one_row()).
CREATE OR REPLACE TRIGGER settings_keep_one_row_truncate BEFORE TRUNCATE ON conflag.settings
  FOR EACH STATEMENT EXECUTE FUNCTION conflag.settings_keep_one_row();
COMMENT ON TRIGGER settings_keep_one_row_truncate ON conflag.settings IS 'Refuses TRUNCATE of the settings table (conflag.settings_keep_one_row).';
