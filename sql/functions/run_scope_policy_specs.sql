-- The row-level security a mapped recordings table must have so a runner login writes only inside its run's scope,
-- as conflag.recordings has it from migration 0006 (recordings_everyone, recordings_runner_scope), one row per
-- policy: the relation, the statements that create it, and the comment that marks it as conflag's, with a digest of
-- the statement (conflag.install_run_scope_policies and conflag.run_scope_problem see an edited definition).
-- The relations: the mapped table unless it is conflag.recordings (migration 0006 is the home of its policies), and
-- every partition of it — a run updates a partitioned table partition by partition (ONLY <partition>,
-- src/sql/applyBatch.ts), and PostgreSQL applies the policies of the relation a statement names.
--   recordings_runner_scope  RESTRICTIVE FOR UPDATE TO conflag_runner: only rows of a tenant in the scope of the
--                            run the batch entered (conflag.enter_run_scope), in that transaction
--   recordings_everyone      PERMISSIVE: on a table without row-level security before, TO PUBLIC (every role keeps
--                            what its grants allow; conflag enables row-level security and disables it again when
--                            the mapping moves away); on a table with row-level security of its own, TO
--                            conflag_runner only (the platform's policies stay as they are for everyone else; the
--                            runner reads every row, as a run must, and the restrictive policy bounds its writes).
CREATE OR REPLACE FUNCTION conflag.run_scope_policy_specs()
RETURNS TABLE (relation regclass, policy_name name, for_public boolean, definition text, description text)
LANGUAGE plpgsql STABLE
AS $$
#variable_conflict use_column
DECLARE
  v_source conflag.recording_source%ROWTYPE;
  v_table  regclass;
  v_tenant text;
BEGIN
  SELECT * INTO v_source FROM conflag.recording_source;
  v_table := conflag.mapped_table();
  -- Tenant ids are text; a tenant column of another type is compared as text (as runs do, src/source/recordingSource.ts).
  v_tenant := quote_ident(v_source.tenant_column) ||
    CASE WHEN (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = v_table AND a.attname = v_source.tenant_column)
              IN ('text'::regtype, 'varchar'::regtype) THEN '' ELSE '::text' END;
  RETURN QUERY
  WITH target AS (
    SELECT t.relid::regclass AS relation, c.relrowsecurity AS secured,
           EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = t.relid AND p.polname = 'recordings_everyone' AND p.polroles = '{0}'
                      AND obj_description(p.oid, 'pg_policy') LIKE '%[conflag %]') AS ours_for_public
      FROM (SELECT v_table AS relid UNION SELECT p.relid FROM pg_partition_tree(v_table) p) t
      JOIN pg_class c ON c.oid = t.relid
     WHERE t.relid <> 'conflag.recordings'::regclass
  ), spec (relation, policy_name, for_public, definition, what) AS (
    SELECT t.relation, 'recordings_runner_scope'::name, NULL::boolean,
           format('CREATE POLICY recordings_runner_scope ON %s AS RESTRICTIVE FOR UPDATE TO conflag_runner USING (true) '
                  'WITH CHECK (EXISTS (SELECT 1 FROM conflag.run_scopes s WHERE s.backend_pid = pg_backend_pid() '
                  'AND s.xid = pg_current_xact_id() AND (s.tenants IS NULL OR %s = ANY (s.tenants))))', t.relation, v_tenant),
           'An UPDATE by conflag_runner passes only for recordings of a tenant in the scope of the run its batch entered (conflag.enter_run_scope), in that transaction'
      FROM target t
    UNION ALL
    SELECT t.relation, 'recordings_everyone', NOT t.secured OR t.ours_for_public,
           format('CREATE POLICY recordings_everyone ON %s AS PERMISSIVE FOR ALL TO %s USING (true) WITH CHECK (true)',
                  t.relation, CASE WHEN NOT t.secured OR t.ours_for_public THEN 'PUBLIC' ELSE 'conflag_runner' END),
           CASE WHEN NOT t.secured OR t.ours_for_public
                THEN 'Row-level security is on for conflag_runner''s scope check only: every role keeps what its grants allow (conflag turns it off again when the mapping moves away)'
                ELSE 'conflag_runner reads every row, as a run must; the table''s own policies stay as they are for every other role' END
      FROM target t
  )
  SELECT s.relation, s.policy_name, s.for_public, s.definition,
         format('%s. Installed by conflag.install_run_scope_policies(); do not edit [conflag %s]', s.what, left(md5(s.definition), 12))
    FROM spec s;
END
$$;
COMMENT ON FUNCTION conflag.run_scope_policy_specs() IS 'Internal: the row-level security policies the mapped recordings table (and each partition) must have, as conflag.recordings has from migration 0006 (relation, name, whether for PUBLIC, CREATE statement, comment with a digest of it).';
