-- The jobs whose conditions the database would refuse now (conflag.validate_condition against the facts of the
-- mapped table, conflag.current_attributes), with the refusal: all jobs, or those naming the fact p_fact. A new
-- mapping (conflag.recording_source_apply) and a changed or deleted attribute (conflag.attributes_check_jobs) are
-- refused while this returns rows, so a job never holds a condition that can no longer run.
CREATE OR REPLACE FUNCTION conflag.job_condition_problems(p_fact text DEFAULT NULL)
RETURNS TABLE (job_id bigint, job_name text, problem text)
LANGUAGE plpgsql STABLE
AS $$
#variable_conflict use_column
DECLARE
  v_job record;
BEGIN
  FOR v_job IN
    SELECT j.id, j.name, j.condition FROM conflag.jobs j
     WHERE p_fact IS NULL OR jsonb_path_exists(j.condition, '$.**.fact ? (@ == $fact)', jsonb_build_object('fact', p_fact))
     ORDER BY j.id
  LOOP
    BEGIN
      PERFORM conflag.validate_condition(v_job.condition);
    EXCEPTION WHEN OTHERS THEN
      IF SQLSTATE NOT LIKE 'CF1%' THEN
        RAISE;
      END IF;
      job_id := v_job.id;
      job_name := v_job.name;
      problem := SQLERRM;
      RETURN NEXT;
    END;
  END LOOP;
END
$$;
COMMENT ON FUNCTION conflag.job_condition_problems(text) IS 'Jobs (all, or those using the fact p_fact) whose condition does not validate against the attributes of the mapped recordings table, with the CF1xx message.';
