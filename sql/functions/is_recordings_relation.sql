-- Whether a relation is the mapped recordings table (conflag.recording_source) or one of its partitions. The
-- change-log trigger functions ask it first: a trigger left on a table that is no longer mapped (a partition
-- detached with its triggers, a copy) then does nothing there instead of failing the platform's INSERT with the
-- key columns of another table — and on the mapped table, the only place where the log matters, it logs.
CREATE OR REPLACE FUNCTION conflag.is_recordings_relation(p_relation oid)
RETURNS boolean
LANGUAGE sql STABLE
AS $$
  SELECT EXISTS (
    SELECT 1
      FROM conflag.recording_source s
     WHERE to_regclass(format('%I.%I', s.table_schema, s.table_name)) = p_relation
        OR to_regclass(format('%I.%I', s.table_schema, s.table_name)) IN (SELECT a.relid FROM pg_partition_ancestors(p_relation) a))
$$;
COMMENT ON FUNCTION conflag.is_recordings_relation(oid) IS 'Internal: true when the relation is the mapped recordings table (conflag.recording_source) or one of its partitions.';
