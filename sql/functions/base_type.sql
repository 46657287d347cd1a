-- The type a domain stands on (through domains over domains), or the type itself: an attribute over a domain column
-- has the domain's base type as far as conditions are concerned.
CREATE OR REPLACE FUNCTION conflag.base_type(p_type oid)
RETURNS regtype
LANGUAGE sql STABLE
AS $$
  WITH RECURSIVE t (oid, base, domain) AS (
    SELECT y.oid, y.typbasetype, y.typtype = 'd' FROM pg_type y WHERE y.oid = p_type
    UNION ALL
    SELECT y.oid, y.typbasetype, y.typtype = 'd' FROM t JOIN pg_type y ON y.oid = t.base WHERE t.domain
  )
  SELECT oid::regtype FROM t WHERE NOT domain
$$;
COMMENT ON FUNCTION conflag.base_type(oid) IS 'Internal: the base type of a domain (through nested domains), or the type itself.';
