// The recordings tables the differential check (differentialRun.ts) runs on: conflag.recordings, and a platform
// table mapped in its place — uuid key, every column under another name, facts of its own where two are DBA
// expressions (duration from milliseconds, the caller's name from two columns). Rows are read back raw and turned
// into conflag.recordings' shape in JavaScript, so the reference sees the stored values, not the SQL under test.
import { sql } from 'kysely';
import type pg from 'pg';
import { compileCondition } from '../../src/condition/compileCondition.ts';
import type { RecordingRow } from '../../src/condition/recordingFacts.ts';
import type { Catalog, ConditionContext } from '../../src/condition/types.ts';
import { compileSql, type CompiledSql } from '../../src/db/kysely.ts';
import { TENANTS } from './arbitraries.ts';
import { insertRecordings, loadRows, type NewRecording } from './helpers.ts';

export interface LoadedRecording {
  /** The recording's key as text (an id, a uuid). */
  key: string;
  row: RecordingRow;
}

export interface DifferentialTable {
  name: string;
  /** Replaces the table's rows with these recordings and reads them back, in order. */
  load(recordings: NewRecording[]): Promise<LoadedRecording[]>;
  /** The keys among `keys` the compiled condition selects, as the column "key". */
  selectStatement(condition: unknown, catalog: Catalog, ctx: ConditionContext, keys: string[]): CompiledSql;
}

export function conflagRecordings(pool: pg.Pool): DifferentialTable {
  return {
    name: 'conflag.recordings',
    async load(recordings) {
      await pool.query('DELETE FROM conflag.recordings');
      const rows = await loadRows(pool, await insertRecordings(pool, recordings));
      return rows.map((row) => ({ key: String(row.id), row }));
    },
    selectStatement(condition, catalog, ctx, keys) {
      const predicate = compileCondition(condition, catalog, ctx);
      return compileSql(sql`SELECT r.id::text AS key FROM conflag.recordings r WHERE r.id = ANY(${keys}::bigint[]) AND ${predicate}`);
    },
  };
}

const TABLE = 'platform.call_log';

/** conflag.recordings' facts on platform.call_log: [fact, expression]; the derived ones are the built-ins' with the column renamed. */
const FACTS: Array<[string, string]> = [
  ['id', 'r.seq'], ['tenant_id', 'r.customer'], ['call_id', 'r.external_id'], ['started_at', 'r.began'], ['ended_at', 'r.finished'],
  ['duration', 'r.length_ms / 1000'], ['direction', 'r.dir'], ['caller_number', 'r.from_number'], ['caller_name', 'r.from_first || r.from_rest'],
  ['callee_number', 'r.to_number'], ['callee_name', 'r.to_name'], ['user_name', 'r.agent'], ['group_name', 'r.team'], ['tags', 'r.labels'],
  ['notes', 'r.remarks'], ['custom', 'r.payload'],
];

/** Creates platform.call_log with its facts, grants and tenants, maps it, and returns it as a differential table. */
export async function mappedPlatformTable(pool: pg.Pool): Promise<DifferentialTable> {
  await pool.query(`CREATE SCHEMA platform`);
  await pool.query(`CREATE TABLE ${TABLE} (
    call_uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(), seq bigint NOT NULL, customer text NOT NULL, external_id text,
    began timestamptz NOT NULL, finished timestamptz, length_ms bigint, dir text, from_number text, from_first text, from_rest text,
    to_number text, to_name text, agent text, team text, labels text[], remarks text, payload jsonb, is_confidential boolean NOT NULL DEFAULT false)`);
  await pool.query(`GRANT USAGE ON SCHEMA platform TO conflag_runner`);
  await pool.query(`GRANT SELECT, UPDATE (is_confidential) ON ${TABLE} TO conflag_runner`);
  await pool.query(`INSERT INTO conflag.tenants (id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [TENANTS]);
  await pool.query(
    `INSERT INTO conflag.attributes (table_schema, table_name, name, type, expression, description)
     SELECT 'platform', 'call_log', a.name, a.type, coalesce(f.expression, replace(a.expression, 'r.started_at', 'r.began')), a.description
       FROM conflag.attributes a LEFT JOIN unnest($1::text[], $2::text[]) AS f(name, expression) ON f.name = a.name
      WHERE (a.table_schema, a.table_name) = ('conflag', 'recordings')`,
    [FACTS.map((f) => f[0]), FACTS.map((f) => f[1])],
  );
  await pool.query(`UPDATE conflag.recording_source SET table_schema = 'platform', table_name = 'call_log', key_columns = '{call_uuid}',
                      tenant_column = 'customer', flag_column = 'is_confidential', changed_at_column = NULL, changed_by_run_column = NULL`);
  return {
    name: TABLE,
    load: async (recordings) => loadPlatformRows(pool, recordings),
    selectStatement(condition, catalog, ctx, keys) {
      const predicate = compileCondition(condition, catalog, ctx);
      return compileSql(sql`SELECT r.call_uuid::text AS key FROM platform.call_log r WHERE r.call_uuid = ANY(${keys}::uuid[]) AND ${predicate}`);
    },
  };
}

interface PlatformRow {
  key: string; seq: string; customer: string; external_id: string | null; began: string; finished: string | null; length_ms: string | null;
  dir: string | null; from_number: string | null; from_first: string | null; from_rest: string | null; to_number: string | null;
  to_name: string | null; agent: string | null; team: string | null; labels: (string | null)[] | null; remarks: string | null; payload: RecordingRow['custom'];
}

async function loadPlatformRows(pool: pg.Pool, recordings: NewRecording[]): Promise<LoadedRecording[]> {
  await pool.query(`DELETE FROM ${TABLE}`);
  await pool.query(
    `INSERT INTO ${TABLE} (seq, customer, external_id, began, finished, length_ms, dir, from_number, from_first, from_rest, to_number, to_name,
                           agent, team, labels, remarks, payload)
     SELECT x.seq, coalesce(x.tenant_id, 'default'), x.call_id, x.started_at, x.ended_at, x.duration::bigint * 1000, x.direction, x.caller_number,
            left(x.caller_name, 1), substr(x.caller_name, 2), x.callee_number, x.callee_name, x.user_name, x.group_name, x.tags, x.notes,
            COALESCE(x.custom_text::jsonb, x.custom)
       FROM jsonb_to_recordset($1::jsonb) AS x(seq bigint, tenant_id text, call_id text, started_at timestamptz, ended_at timestamptz,
            duration int, direction text, caller_number text, caller_name text, callee_number text, callee_name text,
            user_name text, group_name text, tags text[], notes text, custom jsonb, custom_text text)`,
    [JSON.stringify(recordings.map(({ customText, ...r }, seq) => ({ seq, ...r, custom: r.custom === undefined ? null : r.custom, custom_text: customText ?? null })))],
  );
  const { rows } = await pool.query<PlatformRow>(`SELECT call_uuid::text AS key, r.* FROM ${TABLE} r ORDER BY seq`);
  return rows.map((p) => ({
    key: p.key,
    row: {
      id: p.seq, tenant_id: p.customer, call_id: p.external_id, started_at: p.began, ended_at: p.finished,
      duration: p.length_ms === null ? null : Number(p.length_ms) / 1000, direction: p.dir, caller_number: p.from_number,
      caller_name: p.from_first === null ? null : p.from_first + p.from_rest, callee_number: p.to_number, callee_name: p.to_name,
      user_name: p.agent, group_name: p.team, tags: p.labels, notes: p.remarks, custom: p.payload,
    },
  }));
}
