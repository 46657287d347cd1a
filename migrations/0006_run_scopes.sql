-- Up Migration

-- Tenants isolated twice. The compiled predicate of a run already limits it to its job's access scope; row-level
-- security on the recordings table checks it again, so even a compiler bug cannot make conflag's runner write a
-- recording of another tenant. A batch enters its run's scope first (conflag.enter_run_scope, SECURITY DEFINER:
-- the scope is the run's own, copied from the job when the run started — not a setting a session may choose),
-- valid for that transaction only; an UPDATE by a login holding conflag_runner passes only for rows of a tenant in
-- that scope, else it fails loudly ("new row violates row-level security policy"). Every other role is unaffected
-- (a permissive policy for everyone keeps what they could do; the table owner and superusers bypass RLS).
CREATE UNLOGGED TABLE conflag.run_scopes (
  backend_pid integer PRIMARY KEY,
  xid         xid8 NOT NULL,
  run_id      bigint NOT NULL,
  tenants     text[]
);
COMMENT ON TABLE conflag.run_scopes IS 'The run scope each runner session acts in, for the transaction of one batch: written only by conflag.enter_run_scope(); read by the row-level security policy recordings_runner_scope. Working data, not history.';
COMMENT ON COLUMN conflag.run_scopes.backend_pid IS 'The session (pg_backend_pid()).';
COMMENT ON COLUMN conflag.run_scopes.xid IS 'The transaction (a batch) the scope is valid in; any other transaction of the session has no scope.';
COMMENT ON COLUMN conflag.run_scopes.run_id IS 'The run (conflag.job_runs.id) whose scope it is.';
COMMENT ON COLUMN conflag.run_scopes.tenants IS 'The run''s access scope (NULL = every tenant).';
GRANT SELECT ON conflag.run_scopes TO conflag_runner;

ALTER TABLE conflag.recordings ENABLE ROW LEVEL SECURITY;
CREATE POLICY recordings_everyone ON conflag.recordings AS PERMISSIVE FOR ALL TO PUBLIC USING (true) WITH CHECK (true);
CREATE POLICY recordings_runner_scope ON conflag.recordings AS RESTRICTIVE FOR UPDATE TO conflag_runner
  USING (true)
  WITH CHECK (EXISTS (SELECT 1 FROM conflag.run_scopes s
                       WHERE s.backend_pid = pg_backend_pid() AND s.xid = pg_current_xact_id()
                         AND (s.tenants IS NULL OR tenant_id = ANY (s.tenants))));
COMMENT ON POLICY recordings_everyone ON conflag.recordings IS 'Row-level security is on for conflag_runner''s scope check only: every role keeps what its grants allow.';
COMMENT ON POLICY recordings_runner_scope ON conflag.recordings IS 'An UPDATE by conflag_runner passes only for recordings of a tenant in the scope of the run its batch entered (conflag.enter_run_scope), in that transaction.';

-- Down Migration

DROP POLICY recordings_runner_scope ON conflag.recordings;
DROP POLICY recordings_everyone ON conflag.recordings;
ALTER TABLE conflag.recordings DISABLE ROW LEVEL SECURITY;
DROP TABLE conflag.run_scopes;
