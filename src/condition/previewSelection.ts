// What a job (or an unsaved condition) would do right now, without doing it: how many recordings match, how
// many would change (their flag differs from the action's target), and a few examples — changes first — each with
// its key, tenant, flag and the values of the facts the condition reads. The caller runs this inside a READ ONLY
// transaction. Works on the mapped recordings table (src/source/recordingSource.ts).
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type pg from 'pg';
import { compileSql } from '../db/kysely.ts';
import type { RecordingSource } from '../source/recordingSource.ts';
import { attributeSql } from './sqlParts.ts';
import type { Catalog, ConditionContext } from './types.ts';

export interface PreviewExample {
  /** The recording's key as JSON text, e.g. [42]. */
  key: string;
  tenant: string;
  confidential: boolean;
  would_change: boolean;
  /** The condition's facts for this recording (JSON values; a json fact whole, not its path). */
  facts: Record<string, unknown>;
}

export interface PreviewResult {
  matched: number;
  /** Incremental jobs: matching recordings the job already processed, which a run leaves alone. */
  alreadyProcessed: number;
  wouldChange: number;
  examples: PreviewExample[];
}

export async function previewSelection(
  db: pg.ClientBase,
  predicate: RawBuilder<SqlBool>,
  options: {
    action: 'set' | 'clear'; examples: number; incrementalJobId?: string; source: RecordingSource;
    /** The facts to show per example, and what their expressions need. */
    facts: string[]; catalog: Catalog; ctx: ConditionContext;
  },
): Promise<PreviewResult> {
  const { source } = options;
  const target = options.action === 'set';
  const table = sql.raw(source.table);
  const flag = sql.raw(`r.${source.flagColumn}`);
  const processed = options.incrementalJobId
    ? sql<SqlBool>`EXISTS (SELECT 1 FROM conflag.job_processed_recordings p WHERE p.job_id = ${options.incrementalJobId}::bigint AND p.recording_key = ${sql.raw(source.keySql)})`
    : sql<SqlBool>`false`;
  const counts = compileSql(sql`SELECT count(*) AS matched,
       count(*) FILTER (WHERE ${processed}) AS already_processed,
       count(*) FILTER (WHERE ${flag} IS DISTINCT FROM ${target}::boolean AND NOT ${processed}) AS would_change
  FROM ${table} r WHERE ${predicate}`);
  const { rows } = await db.query<{ matched: string; already_processed: string; would_change: string }>(counts.sql, counts.parameters);
  const facts = options.facts.flatMap((name) => {
    const attribute = options.catalog.attributes.get(name);
    return attribute ? [sql`${name}::text, ${attributeSql(attribute, options.ctx)}`] : [];
  });
  const examples = compileSql(sql`SELECT ${sql.raw(source.keySql)}::text AS key, ${sql.raw(`r.${source.tenantColumn}`)}::text AS tenant,
       ${flag} AS confidential, (${flag} IS DISTINCT FROM ${target}::boolean AND NOT ${processed}) AS would_change,
       ${facts.length ? sql`jsonb_build_object(${sql.join(facts)})` : sql`'{}'::jsonb`} AS facts
  FROM ${table} r WHERE ${predicate}
 ORDER BY 4 DESC, ${sql.raw(source.keyColumnsSql)} LIMIT ${options.examples}::int`);
  const sample = await db.query<PreviewExample>(examples.sql, examples.parameters);
  return {
    matched: Number(rows[0].matched),
    alreadyProcessed: Number(rows[0].already_processed),
    wouldChange: Number(rows[0].would_change),
    examples: sample.rows,
  };
}
