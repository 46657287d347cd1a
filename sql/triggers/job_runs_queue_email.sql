-- Queues the notification e-mail of a run that leaves 'running' (conflag.job_runs_queue_email()), in the same
-- transaction as the run's outcome.
CREATE OR REPLACE TRIGGER job_runs_queue_email
  AFTER UPDATE OF status ON conflag.job_runs
  FOR EACH ROW
  WHEN (OLD.status = 'running' AND NEW.status IN ('succeeded', 'failed', 'aborted', 'interrupted'))
  EXECUTE FUNCTION conflag.job_runs_queue_email();
COMMENT ON TRIGGER job_runs_queue_email ON conflag.job_runs IS 'Queues the notification e-mail of a run that ended (conflag.email_outbox).';
