-- A digest of everything the SQL a job's runs apply depends on besides the run's time: its condition, scope, action
-- and time zone (conflag.job_timezone), the enabled jobs of the opposite action it yields to (conflag.job_precedence)
-- with theirs, the attribute catalog and the recording source. A compiled predicate in conflag.job_predicates is
-- current while its digest equals this; conflag.job_conflicts counts only with current ones.
CREATE OR REPLACE FUNCTION conflag.job_selection_digest(p_job_id bigint)
RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT md5(jsonb_build_array(
           j.condition, j.access_scope, j.action, conflag.job_timezone(j.timezone),
           (SELECT coalesce(jsonb_agg(jsonb_build_array(w.id, w.condition, w.access_scope, conflag.job_timezone(w.timezone)) ORDER BY w.id), '[]'::jsonb)
              FROM conflag.job_precedence p JOIN conflag.jobs w ON w.id = p.winner_job_id
             WHERE p.loser_job_id = j.id AND w.enabled AND w.action <> j.action),
           (SELECT jsonb_agg(jsonb_build_array(a.name, a.type, a.expression, a.allowed_values) ORDER BY a.name) FROM conflag.current_attributes a),
           (SELECT to_jsonb(s) - 'updated_at' FROM conflag.recording_source s))::text)
    FROM conflag.jobs j
   WHERE j.id = p_job_id
$$;
COMMENT ON FUNCTION conflag.job_selection_digest(bigint) IS 'Internal: digest of what a job''s compiled predicate depends on (condition, scope, action, time zone, the jobs it yields to, the attribute catalog, the recording source); NULL for a job that does not exist.';
