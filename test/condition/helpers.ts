// Shared by the condition tests: insert recordings, select what the compiled SQL selects, and what
// json-rules-engine (the reference) says true for, over the same rows read back from the database.
import { sql } from 'kysely';
import pg from 'pg';
import { compileCondition } from '../../src/condition/compileCondition.ts';
import { conditionEvaluator } from '../../src/condition/createEngine.ts';
import { recordingFacts, type RecordingRow } from '../../src/condition/recordingFacts.ts';
import type { Catalog, ConditionContext } from '../../src/condition/types.ts';
import { compileSql, type CompiledSql } from '../../src/db/kysely.ts';
import { openPool } from '../lib/db.ts';

/** A pool whose timestamptz values stay PostgreSQL text (microseconds kept) for recordingFacts. */
export function openTextTimestampPool(): pg.Pool {
  return openPool(undefined, {
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 1184 ? (v: string) => v : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
}

/** customText: raw JSON for custom when JavaScript cannot write it (e.g. 1.00000000000000001). */
export type NewRecording = Partial<Omit<RecordingRow, 'id'>> & { started_at: string; customText?: string };

const COLUMNS = [
  'tenant_id', 'call_id', 'started_at', 'ended_at', 'duration', 'direction', 'caller_number', 'caller_name',
  'callee_number', 'callee_name', 'user_name', 'group_name', 'tags', 'notes', 'custom',
] as const;

/** Inserts recordings (tenant 'default' unless given) and returns their ids in order. */
export async function insertRecordings(db: pg.Pool | pg.ClientBase, recordings: NewRecording[]): Promise<number[]> {
  if (recordings.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO conflag.recordings (${COLUMNS.join(', ')})
     SELECT ${COLUMNS.map((c) => (c === 'custom' ? 'COALESCE(x.custom_text::jsonb, x.custom)' : `x.${c}`)).join(', ')}
       FROM jsonb_to_recordset($1::jsonb) AS x(tenant_id text, call_id text, started_at timestamptz, ended_at timestamptz,
            duration int, direction text, caller_number text, caller_name text, callee_number text, callee_name text,
            user_name text, group_name text, tags text[], notes text, custom jsonb, custom_text text)
     RETURNING id`,
    [JSON.stringify(recordings.map(({ customText, ...r }) => ({ tenant_id: 'default', ...r, custom: r.custom === undefined ? null : r.custom, custom_text: customText ?? null })))],
  );
  return rows.map((r) => Number(r.id));
}

/** The full statement the tests run: the ids the compiled predicate selects among `ids`. */
export function selectStatement(condition: unknown, catalog: Catalog, ctx: ConditionContext, ids: number[]): CompiledSql {
  const predicate = compileCondition(condition, catalog, ctx);
  return compileSql(sql`SELECT r.id FROM conflag.recordings r WHERE r.id = ANY(${ids}::bigint[]) AND ${predicate} ORDER BY r.id`);
}

export async function sqlIds(db: pg.Pool, condition: unknown, catalog: Catalog, ctx: ConditionContext, ids: number[]): Promise<number[]> {
  const statement = selectStatement(condition, catalog, ctx, ids);
  const { rows } = await db.query<{ id: string }>(statement.sql, statement.parameters);
  return rows.map((r) => Number(r.id));
}

export async function loadRows(db: pg.Pool, ids: number[]): Promise<RecordingRow[]> {
  const { rows } = await db.query<RecordingRow>(`SELECT * FROM conflag.recordings WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]);
  return rows;
}

/** The ids json-rules-engine says true for, evaluating facts computed in JS from the stored rows. */
export async function engineIds(rows: RecordingRow[], condition: unknown, ctx: ConditionContext): Promise<number[]> {
  const evaluator = conditionEvaluator(condition, ctx);
  const ids: number[] = [];
  for (const row of rows) if (await evaluator.matches(recordingFacts(row, ctx))) ids.push(Number(row.id));
  return ids;
}
