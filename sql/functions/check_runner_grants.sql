-- Checks that conflag_runner may do what runs do on a mapped table (CF407): reach its schema, read it and write the
-- flag (and the changed-at/changed-by-run columns) — on the table and on each partition, because a run goes through a
-- partitioned table partition by partition (ONLY <partition>, src/sql/applyBatch.ts). The error gives the GRANTs.
CREATE OR REPLACE FUNCTION conflag.check_runner_grants(p_table regclass, p_written name[])
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  v_written name[] := array_remove(p_written, NULL);
  v_missing text;
  v_grants  text;
  v_schema  oid;
  v_schema_name text;
BEGIN
  SELECT string_agg(DISTINCT relation::text, ', '),
         string_agg(DISTINCT format('GRANT SELECT, UPDATE (%s) ON %s TO conflag_runner;',
                                    (SELECT string_agg(quote_ident(c), ', ') FROM unnest(v_written) c), relation), ' ')
    INTO v_missing, v_grants
    FROM (SELECT t.relid::regclass AS relation FROM pg_partition_tree(p_table) t WHERE t.isleaf
          UNION SELECT p_table) r
   WHERE NOT has_table_privilege('conflag_runner', r.relation, 'SELECT')
      OR EXISTS (SELECT 1 FROM unnest(v_written) c WHERE NOT has_column_privilege('conflag_runner', r.relation, c, 'UPDATE'));
  SELECT n.oid, quote_ident(n.nspname) INTO v_schema, v_schema_name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = p_table;
  IF NOT has_schema_privilege('conflag_runner', v_schema, 'USAGE') THEN
    v_missing := concat_ws(', ', 'schema ' || v_schema_name, v_missing);
    v_grants := concat_ws(' ', format('GRANT USAGE ON SCHEMA %s TO conflag_runner;', v_schema_name), v_grants);
  END IF;
  IF v_missing IS NOT NULL THEN
    RAISE EXCEPTION 'conflag.recording_source: conflag_runner may not read % or write its flag (%), which every run does', v_missing, array_to_string(v_written, ', ')
      USING ERRCODE = 'CF407', HINT = v_grants || ' Grant the same on partitions you add later. See docs/own-table.md.';
  END IF;
END
$$;
COMMENT ON FUNCTION conflag.check_runner_grants(regclass, name[]) IS 'Internal: raises CF407 (with the GRANT statements) unless conflag_runner may use the table''s schema, SELECT the table and each partition and UPDATE the given columns.';
