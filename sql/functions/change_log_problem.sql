-- What is wrong with the mapped recordings table's change-log triggers, in words, or NULL when nothing is: a trigger
-- missing, disabled (also on one partition, or enabled for replication sessions only), or not conflag's current
-- definition (conflag.change_log_trigger_specs). An incremental run asks before it reads the log and fails with
-- CF411 when the answer is not NULL: a log with a gap would make it skip recordings silently.
-- conflag.install_change_log_triggers() repairs what this finds.
CREATE OR REPLACE FUNCTION conflag.change_log_problem()
RETURNS text
LANGUAGE sql STABLE
AS $$
  WITH spec AS (SELECT * FROM conflag.change_log_trigger_specs()),
  problems AS (
    SELECT format('trigger %I on %s is %s', s.trigger_name, s.relation,
                  CASE WHEN t.oid IS NULL THEN 'missing'
                       WHEN t.tgenabled NOT IN ('O', 'A') THEN 'disabled'
                       ELSE 'not conflag''s current definition' END) AS problem, 1 AS rank, s.trigger_name AS sort
      FROM spec s
      LEFT JOIN pg_trigger t ON t.tgrelid = s.relation AND t.tgname = s.trigger_name
     WHERE t.oid IS NULL OR t.tgenabled NOT IN ('O', 'A') OR obj_description(t.oid, 'pg_trigger') IS DISTINCT FROM s.description
    UNION ALL
    -- Row triggers are cloned onto every partition; a clone can be disabled on its own.
    SELECT format('trigger %I on partition %s is %s', s.trigger_name, p.relid::regclass, CASE WHEN t.oid IS NULL THEN 'missing' ELSE 'disabled' END),
           2, p.relid::regclass::text
      FROM spec s
      CROSS JOIN LATERAL pg_partition_tree(s.relation) p
      LEFT JOIN pg_trigger t ON t.tgrelid = p.relid AND t.tgname = s.trigger_name
     WHERE s.row_level AND p.relid <> s.relation AND (t.oid IS NULL OR t.tgenabled NOT IN ('O', 'A'))
  )
  SELECT string_agg(problem, '; ' ORDER BY rank, sort) FROM problems
$$;
COMMENT ON FUNCTION conflag.change_log_problem() IS 'What is wrong with the change-log triggers of the mapped recordings table (missing, disabled, out of date), or NULL. Incremental runs refuse to read the log while it is not NULL (CF411); conflag.install_change_log_triggers() repairs it.';
