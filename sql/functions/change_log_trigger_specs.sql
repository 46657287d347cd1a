-- The change-log triggers the mapped recordings table (conflag.recording_source) must have, one row each: the
-- statement that creates it and the comment that marks it as conflag's, with a digest of that statement (so
-- conflag.install_change_log_triggers and conflag.change_log_problem see an out-of-date or hand-edited definition).
--   conflag_log_inserts            AFTER INSERT, per statement (transition table): every insert through the table
--   conflag_log_updates            BEFORE UPDATE, per row: updates of anything but the flag, except conflag's own
--                                  (a batch sets conflag.writing_flags; the WHEN skips the call for its rows)
-- and on a partitioned table, for rows inserted straight into a partition (PostgreSQL fires the partitioned table's
-- statement triggers only for statements that name it, but clones row triggers onto every partition, future ones
-- included):
--   conflag_log_routed_inserts     BEFORE INSERT, per statement: marks rows the statement trigger will log
--   conflag_log_partition_inserts  AFTER INSERT, per row, on every partition: logs the unmarked ones
-- The triggers live on the DBA's table, so they are not files of sql/ (whose triggers name a fixed table).
CREATE OR REPLACE FUNCTION conflag.change_log_trigger_specs()
RETURNS TABLE (relation regclass, trigger_name name, row_level boolean, definition text, description text)
LANGUAGE plpgsql STABLE
AS $$
#variable_conflict use_column
DECLARE
  v_source conflag.recording_source%ROWTYPE;
  v_table  regclass;
  v_not_data name[];
BEGIN
  SELECT * INTO v_source FROM conflag.recording_source;
  v_table := conflag.mapped_table();
  -- What an update may change without being a change of the recording's data: the flag and its audit columns, and
  -- generated columns (a BEFORE trigger sees them not yet computed). A generated column added later is compared
  -- too, which only logs more than needed.
  v_not_data := array_remove(ARRAY[v_source.flag_column, v_source.changed_at_column, v_source.changed_by_run_column], NULL)
                || ARRAY(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = v_table AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated <> '');
  RETURN QUERY
  WITH spec (trigger_name, row_level, definition, what) AS (
    VALUES
      ('conflag_log_inserts'::name, false,
       format('CREATE OR REPLACE TRIGGER conflag_log_inserts AFTER INSERT ON %s REFERENCING NEW TABLE AS inserted '
              'FOR EACH STATEMENT EXECUTE FUNCTION conflag.log_inserted_recordings()', v_table),
       'Logs inserted recordings in conflag.recording_changes (incremental jobs)'),
      ('conflag_log_updates', true,
       format('CREATE OR REPLACE TRIGGER conflag_log_updates BEFORE UPDATE ON %s FOR EACH ROW '
              'WHEN (current_setting(''conflag.writing_flags'', true) IS DISTINCT FROM ''on'') '
              'EXECUTE FUNCTION conflag.log_updated_recording(%s)', v_table,
              (SELECT string_agg(quote_literal(c), ', ' ORDER BY c) FROM unnest(v_not_data) c)),
       'Logs recordings whose data changed (not only the flag) in conflag.recording_changes, except in conflag''s own flag updates (incremental jobs)'),
      ('conflag_log_routed_inserts', false,
       format('CREATE OR REPLACE TRIGGER conflag_log_routed_inserts BEFORE INSERT ON %s '
              'FOR EACH STATEMENT EXECUTE FUNCTION conflag.mark_routed_inserts()', v_table),
       'Marks rows inserted through the partitioned table as logged by conflag_log_inserts (incremental jobs)'),
      ('conflag_log_partition_inserts', true,
       format('CREATE OR REPLACE TRIGGER conflag_log_partition_inserts AFTER INSERT ON %s FOR EACH ROW '
              'WHEN (current_setting(''conflag.routed_inserts'', true) IS DISTINCT FROM pg_trigger_depth()::text) '
              'EXECUTE FUNCTION conflag.log_partition_insert()', v_table),
       'Logs recordings inserted straight into a partition in conflag.recording_changes (incremental jobs)')
  )
  SELECT v_table, s.trigger_name, s.row_level, s.definition,
         format('%s. Installed by conflag.install_change_log_triggers(); do not edit [conflag %s]', s.what, left(md5(s.definition), 12))
    FROM spec s
   WHERE s.trigger_name IN ('conflag_log_inserts', 'conflag_log_updates')
      OR (SELECT c.relkind FROM pg_class c WHERE c.oid = v_table) = 'p';
END
$$;
COMMENT ON FUNCTION conflag.change_log_trigger_specs() IS 'Internal: the change-log triggers the mapped recordings table must have (relation, name, row level, CREATE statement, comment with a digest of it).';
