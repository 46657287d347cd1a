-- For each pair of enabled jobs of opposite actions that may fight — scopes overlap, conditions not provably
-- disjoint (conflag.conditions_disjoint), no precedence between them — how many recordings both select now, and how
-- many of those are confidential now. Counted by the database at bounded cost: ONE scan of the recordings table
-- evaluating each involved job's compiled predicate (conflag.job_predicates, kept current by the runners) once per
-- row; a recording that matches no set job or no clear job is dropped right there. A pair with a job whose
-- predicate is missing or out of date (conflag.job_selection_digest) gets a problem instead of counts. Runs with
-- the caller's rights: reading recordings needs SELECT on the recordings table (CF051 says so otherwise). The
-- predicates' $n are rewritten to their stored parameters (p<job>.v[n]); ages are as of the query's now().
CREATE OR REPLACE FUNCTION conflag.job_conflict_counts()
RETURNS TABLE (set_job_id bigint, clear_job_id bigint, recordings bigint, confidential bigint, problem text)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  v_table   text;
  v_flag    text;
  v_sets    bigint[];
  v_clears  bigint[];
  v_ready   bigint[];
  v_cases   text[];
  v_joins   text;
BEGIN
  SELECT format('%I.%I', s.table_schema, s.table_name), format('r.%I', s.flag_column) INTO v_table, v_flag FROM conflag.recording_source s;
  IF NOT has_table_privilege(v_table, 'SELECT') OR NOT has_table_privilege('conflag.job_predicates', 'SELECT') THEN
    RAISE EXCEPTION 'job_conflicts: counting what jobs select reads % and conflag.job_predicates, which % may not read', v_table, current_user
      USING ERRCODE = 'CF051',
            HINT = format('Query it as the tables'' owner or conflag_runner, or GRANT SELECT ON %s, conflag.job_predicates TO %I. See "Conflicts" in docs/dba.md.', v_table, current_user);
  END IF;
  SELECT array_agg(s.id ORDER BY s.id, c.id), array_agg(c.id ORDER BY s.id, c.id) INTO v_sets, v_clears
    FROM conflag.jobs s
    JOIN conflag.jobs c ON c.action = 'clear' AND c.enabled
                       AND (s.access_scope IS NULL OR c.access_scope IS NULL OR s.access_scope && c.access_scope)
   WHERE s.action = 'set' AND s.enabled
     AND NOT EXISTS (SELECT FROM conflag.job_precedence p
                      WHERE p.winner_job_id = s.id AND p.loser_job_id = c.id OR p.winner_job_id = c.id AND p.loser_job_id = s.id)
     AND NOT conflag.conditions_disjoint(s.condition, c.condition);
  IF v_sets IS NULL THEN
    RETURN;
  END IF;
  v_ready := ARRAY(SELECT p.job_id FROM conflag.job_predicates p
                    WHERE p.job_id = ANY (v_sets || v_clears) AND p.digest = conflag.job_selection_digest(p.job_id));
  RETURN QUERY
    SELECT x.s, x.c, NULL::bigint, NULL::bigint,
           format('job %s has no current compiled predicate: the runners compile one within seconds of a change (is a runner running?)',
                  CASE WHEN x.s = ANY (v_ready) THEN x.c ELSE x.s END)
      FROM unnest(v_sets, v_clears) AS x (s, c)
     WHERE NOT (x.s = ANY (v_ready) AND x.c = ANY (v_ready));
  SELECT array_agg(x.s), array_agg(x.c) INTO v_sets, v_clears
    FROM unnest(v_sets, v_clears) AS x (s, c) WHERE x.s = ANY (v_ready) AND x.c = ANY (v_ready);
  IF v_sets IS NULL THEN
    RETURN;
  END IF;
  SELECT ARRAY[string_agg(d.test, ', ' ORDER BY d.job_id) FILTER (WHERE d.action = 'set'),
               string_agg(d.test, ', ' ORDER BY d.job_id) FILTER (WHERE d.action = 'clear')],
         string_agg(format(' CROSS JOIN (SELECT p.parameters AS v FROM conflag.job_predicates p WHERE p.job_id = %s) AS p%s', d.job_id, d.job_id), '')
    INTO v_cases, v_joins
    FROM (SELECT p.job_id, j.action,
                 format('CASE WHEN (%s) THEN %s::bigint END', regexp_replace(p.predicate, '\$([0-9]+)', 'p' || p.job_id || '.v[\1]', 'g'), p.job_id) AS test
            FROM conflag.job_predicates p JOIN conflag.jobs j ON j.id = p.job_id
           WHERE p.job_id = ANY (v_sets || v_clears)) AS d;
  RETURN QUERY EXECUTE format(
    'SELECT x.s, x.c, count(*), count(*) FILTER (WHERE m.confidential), NULL::text
       FROM (SELECT %s AS confidential, array_remove(ARRAY[%s], NULL) AS sets, array_remove(ARRAY[%s], NULL) AS clears
               FROM %s r%s) AS m
      CROSS JOIN LATERAL unnest(m.sets) AS s (id)
      CROSS JOIN LATERAL unnest(m.clears) AS c (id)
      JOIN unnest($1::bigint[], $2::bigint[]) AS x (s, c) ON x.s = s.id AND x.c = c.id
     GROUP BY x.s, x.c',
    v_flag, v_cases[1], v_cases[2], v_table, v_joins)
    USING v_sets, v_clears;
END
$$;
COMMENT ON FUNCTION conflag.job_conflict_counts() IS 'Internal (conflag.job_conflicts): per pair of enabled set/clear jobs that may fight, the recordings both select now and how many are confidential, in one scan of the recordings table; or a problem when a job has no current compiled predicate.';
