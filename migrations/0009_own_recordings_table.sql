-- Up Migration

-- Issue 13: conflag flags the calls in the platform's own table. Tables and catalog data only; the routines are in
-- sql/ (the mapping's validation: recording_source_validate; what a mapping does: recording_source_apply; the
-- change-log triggers, installed on whatever table is mapped: install_change_log_triggers; the attributes'
-- validation: attributes_validate). See docs/own-table.md.

-- Attributes belong to a recordings table: their expressions read its columns. The built-in ones are the facts of
-- conflag.recordings; a DBA adds the facts of the platform's table as rows of their own, validated against that
-- table, before or after mapping it. Conditions see the attributes of the mapped table (conflag.current_attributes).
ALTER TABLE conflag.attributes
  ADD COLUMN table_schema name,
  ADD COLUMN table_name name;
UPDATE conflag.attributes SET table_schema = 'conflag', table_name = 'recordings';
ALTER TABLE conflag.attributes
  ALTER COLUMN table_schema SET NOT NULL,
  ALTER COLUMN table_name SET NOT NULL,
  DROP CONSTRAINT attributes_pkey,
  ADD PRIMARY KEY (table_schema, table_name, name);
COMMENT ON TABLE conflag.attributes IS 'Facts a job condition may use, per recordings table: name (the condition''s "fact"), type, and the SQL expression over the recording r it reads. The rows of conflag.recordings come with conflag; a DBA adds (and may change) facts for the platform''s own table. Validated when written (CF420-CF425): the expression must be a column or an expression PostgreSQL proves reads only that row. Conditions see the rows of the mapped table: conflag.current_attributes. See docs/own-table.md.';
COMMENT ON COLUMN conflag.attributes.table_schema IS 'Schema of the recordings table the fact belongs to; NULL on INSERT = the mapped table''s (conflag.recording_source).';
COMMENT ON COLUMN conflag.attributes.table_name IS 'Name of the recordings table the fact belongs to; NULL on INSERT = the mapped table''s.';
COMMENT ON COLUMN conflag.attributes.name IS 'Fact name used in conditions, e.g. "duration": lower-case letters, digits and _, starting with a letter; unique per table.';
COMMENT ON COLUMN conflag.attributes.expression IS 'SQL over the recording alias r: a column (r.duration) or an expression of IMMUTABLE built-in functions and operators over its columns; {tz} = the job''s timezone, {as_of} = the run''s start, both bound as parameters.';

-- Where incremental runs may trust the change log from: conflag.install_change_log_triggers() sets it when it had to
-- create a change-log trigger that was missing (or enable a disabled one) on the mapped table, so an incremental
-- run whose last snapshot predates that reads the whole table once instead of a log with a gap in it.
ALTER TABLE conflag.recording_source ADD COLUMN change_log_restarted_xid xid8;
COMMENT ON COLUMN conflag.recording_source.change_log_restarted_xid IS 'The transaction that last put back a missing or disabled change-log trigger of the mapped table (conflag.install_change_log_triggers); an incremental run whose previous snapshot does not see it reads the whole table once. NULL = the log has been complete since the table was mapped.';
COMMENT ON COLUMN conflag.recording_source.key_columns IS 'Columns of a unique, not-null key of the table (its primary key, or columns including a unique index''s), in order; 1 to 4 of smallint, integer, bigint, numeric, uuid, text, varchar, char, date, timestamp, timestamptz.';
COMMENT ON COLUMN conflag.recording_source.tenant_column IS 'Column holding the tenant: its values, as text, are conflag.tenants ids.';
COMMENT ON COLUMN conflag.recording_source.flag_column IS 'The confidential flag conflag writes: boolean NOT NULL.';
COMMENT ON TABLE conflag.recording_source IS 'The table whose confidential flag conflag sets and clears, one row: conflag.recordings unless a DBA mapped the platform''s own table with UPDATE conflag.recording_source SET ... (validated: CF401-CF410; conflag''s change-log triggers move with the mapping). See docs/own-table.md.';

-- The change-log triggers are no longer files of sql/ (those name one table): conflag.install_change_log_triggers()
-- creates them on the mapped table, under these names. The ones sql/ created on conflag.recordings are renamed,
-- so they keep logging until it replaces them in this same migration (no moment without a trigger).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'conflag.recordings'::regclass AND tgname = 'recordings_log_inserts') THEN
    ALTER TRIGGER recordings_log_inserts ON conflag.recordings RENAME TO conflag_log_inserts;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'conflag.recordings'::regclass AND tgname = 'recordings_log_updates') THEN
    ALTER TRIGGER recordings_log_updates ON conflag.recordings RENAME TO conflag_log_updates;
  END IF;
END
$$;

-- Down Migration

DROP VIEW IF EXISTS conflag.current_attributes;
ALTER TABLE conflag.recording_source DROP COLUMN change_log_restarted_xid;
DELETE FROM conflag.attributes WHERE (table_schema, table_name) <> ('conflag', 'recordings');
ALTER TABLE conflag.attributes
  DROP CONSTRAINT attributes_pkey,
  DROP COLUMN table_schema,
  DROP COLUMN table_name,
  ADD PRIMARY KEY (name);
-- conflag.recordings gets back the trigger names sql/ gave them; conflag's triggers leave any other table.
DO $$
DECLARE
  v_trigger record;
BEGIN
  FOR v_trigger IN
    SELECT t.tgname, t.tgrelid::regclass AS relation FROM pg_trigger t
     WHERE t.tgname IN ('conflag_log_inserts', 'conflag_log_updates', 'conflag_log_routed_inserts', 'conflag_log_partition_inserts')
       AND t.tgparentid = 0
  LOOP
    IF v_trigger.relation = 'conflag.recordings'::regclass AND v_trigger.tgname IN ('conflag_log_inserts', 'conflag_log_updates') THEN
      EXECUTE format('ALTER TRIGGER %I ON conflag.recordings RENAME TO %I', v_trigger.tgname, replace(v_trigger.tgname, 'conflag_log_', 'recordings_log_'));
    ELSE
      EXECUTE format('DROP TRIGGER %I ON %s', v_trigger.tgname, v_trigger.relation);
    END IF;
  END LOOP;
END
$$;
