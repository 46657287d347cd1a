-- Checks that the tenant column of a table being mapped holds only tenants conflag knows (CF405): every distinct
-- value, in its text form (the form a job's access_scope is compared with), is a conflag.tenants id. Reads the
-- column once (an index on it makes that an index-only scan); NULL tenants are not checked (no scope selects them,
-- jobs for all tenants do). Tenants that appear later need their conflag.tenants row before a job can name them.
CREATE OR REPLACE FUNCTION conflag.check_recordings_tenants(p_table regclass, p_column name)
RETURNS void
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  v_unknown text[];
  v_count   bigint;
BEGIN
  EXECUTE format('SELECT (array_agg(d.tenant ORDER BY d.tenant))[1:5], count(*)
                    FROM (SELECT DISTINCT r.%1$I::text AS tenant FROM %2$s r WHERE r.%1$I IS NOT NULL) d
                   WHERE NOT EXISTS (SELECT 1 FROM conflag.tenants t WHERE t.id = d.tenant)', p_column, p_table)
    INTO v_unknown, v_count;
  IF v_count > 0 THEN
    RAISE EXCEPTION 'conflag.recording_source.tenant_column: % of % holds % tenant% that conflag.tenants does not have: %',
      quote_ident(p_column), p_table, v_count, CASE WHEN v_count = 1 THEN '' ELSE 's' END,
      (SELECT string_agg(to_jsonb(u)::text, ', ') FROM unnest(v_unknown) u) || CASE WHEN v_count > 5 THEN format(' and %s more', v_count - 5) ELSE '' END
      USING ERRCODE = 'CF405',
            HINT = format('Add them first: INSERT INTO conflag.tenants (id) SELECT DISTINCT %1$I::text FROM %2$s WHERE %1$I IS NOT NULL ON CONFLICT DO NOTHING; (or with their names from your tenants table). See docs/own-table.md.', p_column, p_table);
  END IF;
END
$$;
COMMENT ON FUNCTION conflag.check_recordings_tenants(regclass, name) IS 'Internal: raises CF405 unless every tenant value (as text) in the column is a conflag.tenants id.';
