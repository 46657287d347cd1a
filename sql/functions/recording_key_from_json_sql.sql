-- The key columns' values back from a key built by conflag.recording_key_sql, as a SQL list that can stand where
-- the key columns do: (r.k1, r.k2) IN (SELECT <this> FROM ...). p_json is the SQL of the jsonb key.
CREATE OR REPLACE FUNCTION conflag.recording_key_from_json_sql(p_json text)
RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT string_agg(
           CASE
             WHEN a.atttypid = 'timestamptz'::regtype THEN format('((%s ->> %s)::timestamp AT TIME ZONE ''UTC'')', p_json, k.position - 1)
             ELSE format('(%s ->> %s)::%s', p_json, k.position - 1, format_type(a.atttypid, a.atttypmod))
           END, ', ' ORDER BY k.position)
    FROM conflag.recording_source s
   CROSS JOIN LATERAL unnest(s.key_columns) WITH ORDINALITY AS k(name, position)
   -- A lookup per key column by pg_attribute's (attrelid, attname) index. As a join on the to_regclass expression
   -- the planner hashed all of pg_attribute, 5 ms on every run (docs/performance.md, "1 000 jobs every minute");
   -- LIMIT 1 (a name is unique in a table) keeps the subquery from being flattened back into that join.
   CROSS JOIN LATERAL (
     SELECT a.atttypid, a.atttypmod FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = to_regclass(format('%I.%I', s.table_schema, s.table_name)) AND a.attname = k.name AND NOT a.attisdropped LIMIT 1
   ) a
$$;
COMMENT ON FUNCTION conflag.recording_key_from_json_sql(text) IS 'Internal: SQL turning a key built by conflag.recording_key_sql (the jsonb expression p_json) back into the key columns'' values, in key order.';
