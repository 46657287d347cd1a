-- AFTER trigger on conflag.jobs: tells listeners (the runner) which job changed, so it can reschedule it at
-- once. PostgreSQL delivers the notification at commit, and folds identical ones within one transaction.
CREATE OR REPLACE FUNCTION conflag.jobs_notify()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM pg_notify('conflag_jobs', format('{"op":"%s","id":%s}', TG_OP, CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END));
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION conflag.jobs_notify() IS 'Trigger (AFTER INSERT OR UPDATE OR DELETE on conflag.jobs): NOTIFY conflag_jobs with {"op":"INSERT|UPDATE|DELETE","id":N}.';
