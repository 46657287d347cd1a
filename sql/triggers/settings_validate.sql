-- Validates the settings row (CF021, CF022) and sets updated_at (conflag.settings_validate()).
CREATE OR REPLACE TRIGGER settings_validate BEFORE INSERT OR UPDATE ON conflag.settings
  FOR EACH ROW EXECUTE FUNCTION conflag.settings_validate();
COMMENT ON TRIGGER settings_validate ON conflag.settings IS 'Refuses invalid settings with CF021/CF022 and a second row; sets updated_at (conflag.settings_validate).';
