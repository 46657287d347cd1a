-- BEFORE DELETE / TRUNCATE trigger on conflag.settings: the one settings row is edited, never removed, so
-- every reader can rely on SELECT ... FROM conflag.settings returning exactly one row.
CREATE OR REPLACE FUNCTION conflag.settings_keep_one_row()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION 'settings: the one settings row cannot be removed; set a column to NULL (or false) to unset it'
    USING ERRCODE = 'CF021';
END
$$;
COMMENT ON FUNCTION conflag.settings_keep_one_row() IS 'Trigger (BEFORE DELETE, TRUNCATE on conflag.settings): refuses to remove the settings row (CF021).';
