-- What an attribute's probe view (conflag.check_attribute_expression) depends on beyond the columns of its row r,
-- in words, or NULL: another relation, the whole row or a system column, no column at all, or a function or
-- operator that is not PostgreSQL's own. PostgreSQL records no dependency on its built-in objects, so every
-- pg_proc or pg_operator dependency is one of a DBA's or an extension's, about which an IMMUTABLE label is a
-- promise, not a proof of what it reads.
CREATE OR REPLACE FUNCTION conflag.attribute_dependency_problem(p_view regclass, p_row regclass)
RETURNS text
LANGUAGE sql STABLE
AS $$
  WITH d AS (
    SELECT d.refclassid, d.refobjid, d.refobjsubid
      FROM pg_rewrite w JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
     WHERE w.ev_class = p_view AND d.deptype = 'n' AND NOT (d.refclassid = 'pg_class'::regclass AND d.refobjid = p_view)
  ),
  problems (rank, problem) AS (
    SELECT 1, format('reads %s, another relation', d.refobjid::regclass)
      FROM d WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid <> p_row
    UNION ALL
    SELECT 2, format('calls %s, which is not one of PostgreSQL''s own functions (PostgreSQL cannot prove what it reads)', d.refobjid::regprocedure)
      FROM d WHERE d.refclassid = 'pg_proc'::regclass
    UNION ALL
    SELECT 2, format('uses operator %s, which is not one of PostgreSQL''s own (PostgreSQL cannot prove what it reads)', d.refobjid::regoperator)
      FROM d WHERE d.refclassid = 'pg_operator'::regclass
    UNION ALL
    SELECT 3, 'reads a system column (ctid, xmin, ...), which is not data of the recording'
      FROM d WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = p_row AND d.refobjsubid < 0
    UNION ALL
    -- The whole row is a variable with attribute number 0 in the view's query tree; a view that reads no column
    -- at all also depends on its relation as a whole.
    SELECT 4, CASE WHEN (SELECT w.ev_action::text ~ ':varattno 0 ' FROM pg_rewrite w WHERE w.ev_class = p_view)
                   THEN 'reads the whole row (r or r.*); name the columns it needs'
                   ELSE 'reads no column of the recording' END
      FROM d WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = p_row AND d.refobjsubid = 0
  )
  SELECT string_agg(problem, '; ' ORDER BY rank, problem) FROM (SELECT DISTINCT rank, problem FROM problems) p
$$;
COMMENT ON FUNCTION conflag.attribute_dependency_problem(regclass, regclass) IS 'Internal: what an attribute expression''s probe view reads besides its row''s columns (another relation, the whole row, a system column, none, a non-built-in function or operator), or NULL.';
