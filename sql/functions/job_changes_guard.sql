-- BEFORE INSERT OR UPDATE trigger on conflag.job_changes: audit rows come only from the trigger on
-- conflag.jobs (then this trigger runs nested, pg_trigger_depth() > 1) and are never edited, so a user
-- allowed to change jobs cannot forge or rewrite their history.
CREATE OR REPLACE FUNCTION conflag.job_changes_guard()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'job_changes: audit row % cannot be changed', OLD.id
      USING ERRCODE = 'CF023', HINT = 'Audit rows are written by the trigger on conflag.jobs and kept as they are.';
  END IF;
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'job_changes: rows are written only by the trigger on conflag.jobs, not directly (job_id %)', NEW.job_id
      USING ERRCODE = 'CF023', HINT = 'Change conflag.jobs instead; each change is recorded here.';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION conflag.job_changes_guard() IS 'Trigger (BEFORE INSERT OR UPDATE on conflag.job_changes): refuses rows not written by the jobs audit trigger, and any update (CF023).';
