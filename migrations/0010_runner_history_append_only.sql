-- Up Migration

-- History is append-only for the runner (issue 15). conflag_runner changes runs, the outbox and run requests only
-- through SECURITY DEFINER functions in sql/functions/ that allow legal transitions — a run is recorded running
-- or skipped (record_run_start; never with another status or counts, never with a scope wider than its job's),
-- its scan is recorded once (record_run_scan), its counts only grow (record_batch_progress), it ends once, from
-- running to one final status (record_run_end; the keep-alive and takeovers: interrupt_stalled_runs,
-- interrupt_dead_run); an e-mail goes pending -> sent or failed with attempts only growing (claim_due_email,
-- settle_email, fail_exhausted_emails); a request is taken once (claim_run_requests) and answered by the run
-- that starts for it (answer_run_requests). Nothing is deleted except by the pruning routines (prune_history,
-- prune_recording_changes, prune_flag_history) and reset_incremental_state, all SECURITY DEFINER.
REVOKE INSERT, UPDATE, DELETE ON conflag.job_runs FROM conflag_runner;
REVOKE UPDATE ON conflag.email_outbox FROM conflag_runner;
REVOKE UPDATE ON conflag.run_requests FROM conflag_runner;
-- The change log is written by the triggers on the recordings table (SECURITY DEFINER) and pruned by
-- prune_recording_changes: a runner that deleted from it would make incremental jobs miss recordings.
REVOKE INSERT, UPDATE, DELETE ON conflag.recording_changes FROM conflag_runner;
REVOKE INSERT, UPDATE ON conflag.job_pruned_totals FROM conflag_runner;
-- Incremental state: the batch statement remembers processed recordings (INSERT ... ON CONFLICT DO NOTHING) and a
-- run records its snapshot (INSERT, UPDATE of job_incremental_state); forgetting is reset_incremental_state's.
REVOKE UPDATE, DELETE ON conflag.job_processed_recordings FROM conflag_runner;
REVOKE DELETE ON conflag.job_incremental_state FROM conflag_runner;
-- Working lists of a run in progress: the batch statement adds its transaction id, a run adds (and, falling back
-- to the table, drops) its candidates; record_run_end and the pruning routines empty them.
REVOKE UPDATE ON conflag.run_candidates FROM conflag_runner;
REVOKE DELETE ON conflag.run_batch_xids FROM conflag_runner;

-- The flag history keeps its INSERT: the batch statement (src/sql/applyBatch.ts) writes it in the same statement
-- as the flag change, as a CTE — a function call per batch would need the changed keys passed back and forth. It
-- is safe by row-level security, as on the recordings table: a login of conflag_runner may insert a row only for
-- the run whose scope its batch entered in this transaction (conflag.enter_run_scope: only a running run has
-- one) and for a tenant in that run's scope. Every other role keeps what its grants allow (a permissive policy
-- for everyone; the owner, who prunes through prune_flag_history, bypasses row-level security).
ALTER TABLE conflag.flag_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY flag_history_everyone ON conflag.flag_history AS PERMISSIVE FOR ALL TO PUBLIC USING (true) WITH CHECK (true);
CREATE POLICY flag_history_runner_batch ON conflag.flag_history AS RESTRICTIVE FOR INSERT TO conflag_runner
  WITH CHECK (EXISTS (SELECT 1 FROM conflag.run_scopes s
                       WHERE s.backend_pid = pg_backend_pid() AND s.xid = pg_current_xact_id() AND s.run_id = flag_history.run_id
                         AND (s.tenants IS NULL OR flag_history.tenant_id = ANY (s.tenants))));
COMMENT ON POLICY flag_history_everyone ON conflag.flag_history IS 'Row-level security is on for conflag_runner''s batch check only: every role keeps what its grants allow.';
COMMENT ON POLICY flag_history_runner_batch ON conflag.flag_history IS 'An INSERT by conflag_runner passes only for the run whose scope its batch entered (conflag.enter_run_scope) in this transaction, and a tenant in that scope.';

-- Down Migration

DROP POLICY flag_history_runner_batch ON conflag.flag_history;
DROP POLICY flag_history_everyone ON conflag.flag_history;
ALTER TABLE conflag.flag_history DISABLE ROW LEVEL SECURITY;
GRANT DELETE ON conflag.run_batch_xids TO conflag_runner;
GRANT UPDATE ON conflag.run_candidates TO conflag_runner;
GRANT DELETE ON conflag.job_incremental_state TO conflag_runner;
GRANT UPDATE, DELETE ON conflag.job_processed_recordings TO conflag_runner;
GRANT INSERT, UPDATE ON conflag.job_pruned_totals TO conflag_runner;
GRANT INSERT, UPDATE, DELETE ON conflag.recording_changes TO conflag_runner;
GRANT UPDATE (picked_up_at, run_id) ON conflag.run_requests TO conflag_runner;
GRANT UPDATE (status, attempts, next_attempt_at, sent_at, sent_by, message_id, last_error) ON conflag.email_outbox TO conflag_runner;
GRANT INSERT, UPDATE, DELETE ON conflag.job_runs TO conflag_runner;
