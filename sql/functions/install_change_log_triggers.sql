-- Puts conflag's change-log triggers where they belong: on the mapped recordings table (conflag.recording_source)
-- as conflag.change_log_trigger_specs() defines them, and nowhere else. Returns one line per thing it did (nothing
-- when all was in place):
--   - creates a missing trigger, replaces one whose definition is not conflag's current one (CREATE OR REPLACE,
--     in this transaction: the table is never without it), enables a disabled one (also a partition's clone);
--   - drops conflag's triggers from every other table (the table mapped before; clones go with their parent).
-- A trigger it had to create or enable means the log has a gap: change_log_restarted_xid records this transaction,
-- and each incremental job's next run reads the whole table once (src/sql/prepareScan.ts).
-- Called when the mapping changes (conflag.recording_source_apply) and by `conflag migrate` after sql/ (a new
-- install, an upgrade, a changed definition); a DBA calls it after a run refused a broken log (CF411). It needs the
-- rights to create and drop triggers on those tables (their owner): it runs as its caller.
CREATE OR REPLACE FUNCTION conflag.install_change_log_triggers()
RETURNS SETOF text
LANGUAGE plpgsql
AS $$
DECLARE
  v_spec     record;
  v_trigger  record;
  v_gap      boolean := false;
  c_functions constant regprocedure[] := ARRAY['conflag.log_inserted_recordings()'::regprocedure, 'conflag.log_updated_recording()'::regprocedure,
                                              'conflag.mark_routed_inserts()'::regprocedure, 'conflag.log_partition_insert()'::regprocedure];
BEGIN
  FOR v_spec IN SELECT * FROM conflag.change_log_trigger_specs() LOOP
    SELECT t.oid, t.tgenabled, obj_description(t.oid, 'pg_trigger') AS description INTO v_trigger
      FROM pg_trigger t WHERE t.tgrelid = v_spec.relation AND t.tgname = v_spec.trigger_name;
    IF v_trigger.oid IS NULL OR v_trigger.description IS DISTINCT FROM v_spec.description THEN
      EXECUTE v_spec.definition;
      EXECUTE format('COMMENT ON TRIGGER %I ON %s IS %L', v_spec.trigger_name, v_spec.relation, v_spec.description);
      RETURN NEXT format('%s trigger %I on %s', CASE WHEN v_trigger.oid IS NULL THEN 'created' ELSE 'replaced' END, v_spec.trigger_name, v_spec.relation);
      v_gap := v_gap OR v_trigger.oid IS NULL;
    END IF;
    IF v_trigger.tgenabled IN ('D', 'R') THEN
      EXECUTE format('ALTER TABLE %s ENABLE TRIGGER %I', v_spec.relation, v_spec.trigger_name);
      RETURN NEXT format('enabled trigger %I on %s', v_spec.trigger_name, v_spec.relation);
      v_gap := true;
    END IF;
    FOR v_trigger IN
      SELECT p.relid::regclass AS relation FROM pg_partition_tree(v_spec.relation) p
        JOIN pg_trigger t ON t.tgrelid = p.relid AND t.tgname = v_spec.trigger_name
       WHERE v_spec.row_level AND p.relid <> v_spec.relation AND t.tgenabled IN ('D', 'R')
    LOOP
      EXECUTE format('ALTER TABLE %s ENABLE TRIGGER %I', v_trigger.relation, v_spec.trigger_name);
      RETURN NEXT format('enabled trigger %I on partition %s', v_spec.trigger_name, v_trigger.relation);
      v_gap := true;
    END LOOP;
  END LOOP;
  FOR v_trigger IN
    SELECT t.tgname, t.tgrelid::regclass AS relation FROM pg_trigger t
     WHERE t.tgfoid = ANY (c_functions) AND t.tgparentid = 0
       AND (t.tgrelid, t.tgname) NOT IN (SELECT s.relation, s.trigger_name FROM conflag.change_log_trigger_specs() s)
     ORDER BY 2, 1
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', v_trigger.tgname, v_trigger.relation);
    RETURN NEXT format('dropped trigger %I from %s', v_trigger.tgname, v_trigger.relation);
  END LOOP;
  IF v_gap THEN
    UPDATE conflag.recording_source SET change_log_restarted_xid = pg_current_xact_id();
  END IF;
END
$$;
COMMENT ON FUNCTION conflag.install_change_log_triggers() IS 'Creates, repairs or enables the change-log triggers of the mapped recordings table and drops conflag''s triggers from any other table; returns what it did. Run by conflag migrate and when the mapping changes; run it by hand (as the table''s owner) after an incremental run refused a broken change log (CF411).';
REVOKE EXECUTE ON FUNCTION conflag.install_change_log_triggers() FROM PUBLIC;
