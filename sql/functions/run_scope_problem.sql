-- What keeps row-level security from checking a run's writes on the mapped recordings table, in words, or NULL:
-- row-level security off, or a policy missing or not conflag's current definition, on the table or a partition
-- (a partition attached after the mapping has none of the table's policies). Every run asks before it scans and
-- fails with CF413 when the answer is not NULL: its writes would not be checked against its scope.
-- conflag.install_run_scope_policies() repairs what this finds.
CREATE OR REPLACE FUNCTION conflag.run_scope_problem()
RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT string_agg(problem, '; ' ORDER BY relation::text, rank, problem)
    FROM (SELECT DISTINCT s.relation, 1 AS rank, format('row-level security is off on %s', s.relation) AS problem
            FROM conflag.run_scope_policy_specs() s JOIN pg_class c ON c.oid = s.relation
           WHERE NOT c.relrowsecurity
          UNION ALL
          SELECT s.relation, 2, format('policy %I on %s is %s', s.policy_name, s.relation, CASE WHEN p.oid IS NULL THEN 'missing' ELSE 'not conflag''s current definition' END)
            FROM conflag.run_scope_policy_specs() s
            LEFT JOIN pg_policy p ON p.polrelid = s.relation AND p.polname = s.policy_name
           WHERE obj_description(p.oid, 'pg_policy') IS DISTINCT FROM s.description) problems
$$;
COMMENT ON FUNCTION conflag.run_scope_problem() IS 'What keeps row-level security from checking runs on the mapped recordings table or a partition (off, a policy missing or edited), or NULL. Runs refuse to start while it is not NULL (CF413); conflag.install_run_scope_policies() repairs it.';
