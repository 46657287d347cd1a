-- AFTER trigger on conflag.job_precedence: a precedence changes what the losing job selects, so the runners are told
-- as for a change of that job (NOTIFY conflag_jobs {"op":"UPDATE","id":<loser>}): they compile its predicate again
-- for conflag.job_conflicts. Its runs read the precedence themselves (src/sql/loadJob.ts).
CREATE OR REPLACE FUNCTION conflag.job_precedence_notify()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM pg_notify('conflag_jobs', format('{"op":"UPDATE","id":%s}', NEW.loser_job_id));
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM pg_notify('conflag_jobs', format('{"op":"UPDATE","id":%s}', OLD.loser_job_id));
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.job_precedence_notify() IS 'Trigger (AFTER INSERT OR UPDATE OR DELETE on conflag.job_precedence): NOTIFY conflag_jobs {"op":"UPDATE","id":N} for the losing job.';
