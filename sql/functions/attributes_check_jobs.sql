-- AFTER UPDATE / DELETE (per row) and BEFORE TRUNCATE trigger on conflag.attributes: a fact of the mapped table that
-- jobs use cannot be removed, renamed or given another type while a job's condition would then be refused
-- (conflag.job_condition_problems names them, CF425) — the job would otherwise fail at its next run. Facts of other
-- tables are checked when their table is mapped (conflag.recording_source_apply). A new expression or description
-- is the DBA's to give: jobs then select by it (incremental jobs read the whole table once: their compiled SQL
-- changed).
CREATE OR REPLACE FUNCTION conflag.attributes_check_jobs()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  v_jobs text;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    IF EXISTS (SELECT 1 FROM conflag.jobs) THEN
      RAISE EXCEPTION 'attributes: cannot be truncated while jobs exist; delete the facts no job uses one by one'
        USING ERRCODE = 'CF425', HINT = 'See "Attributes" in docs/own-table.md.';
    END IF;
    RETURN NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM conflag.recording_source s WHERE (s.table_schema, s.table_name) = (OLD.table_schema, OLD.table_name))
     OR (TG_OP = 'UPDATE' AND (NEW.table_schema, NEW.table_name, NEW.name, NEW.type) IS NOT DISTINCT FROM (OLD.table_schema, OLD.table_name, OLD.name, OLD.type)) THEN
    RETURN NULL;
  END IF;
  SELECT string_agg(format('job %s %s (%s)', p.job_id, to_jsonb(p.job_name), p.problem), '; ' ORDER BY p.job_id) INTO v_jobs
    FROM conflag.job_condition_problems(OLD.name) p;
  IF v_jobs IS NOT NULL THEN
    RAISE EXCEPTION 'attributes: % cannot be % while jobs use it: %', to_jsonb(OLD.name),
      CASE WHEN TG_OP = 'DELETE' THEN 'deleted' WHEN NEW.name <> OLD.name THEN 'renamed' WHEN NEW.type <> OLD.type THEN 'given another type' ELSE 'moved to another table' END, v_jobs
      USING ERRCODE = 'CF425', HINT = 'Change those jobs'' conditions first. See "Attributes" in docs/own-table.md.';
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.attributes_check_jobs() IS 'Trigger (AFTER UPDATE, DELETE; BEFORE TRUNCATE on conflag.attributes): refuses removing, renaming or retyping a fact of the mapped table while a job''s condition needs it (CF425).';
