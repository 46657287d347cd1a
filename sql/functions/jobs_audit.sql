-- AFTER trigger on conflag.jobs: keeps every change in conflag.job_changes (who, when, the row before and
-- after). Runs with the privileges of the user making the change, so changed_by is that user's current_user.
CREATE OR REPLACE FUNCTION conflag.jobs_audit()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  INSERT INTO conflag.job_changes (job_id, operation, old_row, new_row)
  VALUES (CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END,
          TG_OP,
          CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END,
          CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.jobs_audit() IS 'Trigger (AFTER INSERT OR UPDATE OR DELETE on conflag.jobs): writes one conflag.job_changes row per changed job.';
