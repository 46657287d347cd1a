// The recordings table a run works on (conflag.recording_source), as SQL fragments built by PostgreSQL from the
// catalog — identifiers quoted by format('%I'), never taken from a job row — and the heap relations a table scan
// goes through: the table itself, or each leaf partition of a partitioned one (block numbers, and so ctid ranges,
// belong to one relation).
import type pg from 'pg';
import { ConflagError, SQLSTATE } from '../errors.ts';

export interface RecordingSource {
  /** The table, schema-qualified and quoted: "conflag"."recordings". */
  table: string;
  /** The key over the alias r as a JSON array (conflag.recording_key_sql('r')). */
  keySql: string;
  /** The key columns over the alias r, comma-separated: r."id". */
  keyColumnsSql: string;
  /** How many columns the key has. */
  keyColumnCount: number;
  /** The key columns' values from the jsonb key c.recording_key, and from m.key (conflag.recording_key_from_json_sql). */
  keyFromCandidateSql: string;
  keyFromMatchSql: string;
  /** Column names, quoted. tenantColumn is cast to text when it is not text (tenant ids are text). */
  tenantColumn: string;
  flagColumn: string;
  changedAtColumn: string | null;
  changedByRunColumn: string | null;
  /** What a table scan goes through, in order. */
  heaps: Array<{ oid: number; name: string }>;
}

export async function loadRecordingSource(db: pg.ClientBase): Promise<RecordingSource> {
  const { rows } = await db.query<Omit<RecordingSource, 'heaps'> & { oid: number | null }>(
    `SELECT to_regclass(format('%I.%I', s.table_schema, s.table_name))::oid AS oid,
            format('%I.%I', s.table_schema, s.table_name) AS "table",
            conflag.recording_key_sql('r') AS "keySql",
            (SELECT string_agg(format('r.%I', k), ', ' ORDER BY o) FROM unnest(s.key_columns) WITH ORDINALITY AS u(k, o)) AS "keyColumnsSql",
            cardinality(s.key_columns) AS "keyColumnCount",
            conflag.recording_key_from_json_sql('c.recording_key') AS "keyFromCandidateSql",
            conflag.recording_key_from_json_sql('m.key') AS "keyFromMatchSql",
            format('%I', s.tenant_column) ||
              CASE WHEN (SELECT a.atttypid FROM pg_attribute a
                          WHERE a.attrelid = to_regclass(format('%I.%I', s.table_schema, s.table_name)) AND a.attname = s.tenant_column)
                        IN ('text'::regtype, 'varchar'::regtype) THEN '' ELSE '::text' END AS "tenantColumn",
            format('%I', s.flag_column) AS "flagColumn",
            CASE WHEN s.changed_at_column IS NOT NULL THEN format('%I', s.changed_at_column) END AS "changedAtColumn",
            CASE WHEN s.changed_by_run_column IS NOT NULL THEN format('%I', s.changed_by_run_column) END AS "changedByRunColumn"
       FROM conflag.recording_source s`,
  );
  const source = rows[0];
  if (!source || source.oid === null) {
    throw new ConflagError(SQLSTATE.sourceMissing, `the recordings table named in conflag.recording_source (${source?.table ?? 'no row'}) does not exist`);
  }
  const heaps = await db.query<{ oid: number; name: string }>(
    // pg_partition_tree lists nothing for a plain table: then the table is its own only heap.
    `SELECT c.oid::int AS oid, format('%I.%I', n.nspname, c.relname) AS name
       FROM (SELECT t.relid, t.level FROM pg_partition_tree($1::regclass) t WHERE t.isleaf
             UNION ALL SELECT $1::regclass, 0 WHERE NOT EXISTS (SELECT 1 FROM pg_partition_tree($1::regclass))) t
       JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r'
      ORDER BY t.level, c.relname`,
    [source.oid],
  );
  const { oid: _oid, ...rest } = source;
  return { ...rest, heaps: heaps.rows };
}
