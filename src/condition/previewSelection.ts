// What a job (or an unsaved condition) would do right now, without doing it: how many recordings match, how
// many would change (their flag differs from the action's target), and a few examples — changes first. The
// caller runs this inside a READ ONLY transaction.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type pg from 'pg';
import { compileSql } from '../db/kysely.ts';

export interface PreviewExample {
  id: string;
  tenant_id: string;
  call_id: string | null;
  started_at: Date;
  duration: number | null;
  confidential: boolean;
  would_change: boolean;
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
  options: { action: 'set' | 'clear'; examples: number; incrementalJobId?: string },
): Promise<PreviewResult> {
  const target = options.action === 'set';
  const processed = options.incrementalJobId
    ? sql<SqlBool>`EXISTS (SELECT 1 FROM conflag.job_processed_recordings p WHERE p.job_id = ${options.incrementalJobId}::bigint AND p.recording_id = r.id)`
    : sql<SqlBool>`false`;
  const counts = compileSql(sql`SELECT count(*) AS matched,
       count(*) FILTER (WHERE ${processed}) AS already_processed,
       count(*) FILTER (WHERE r.confidential IS DISTINCT FROM ${target}::boolean AND NOT ${processed}) AS would_change
  FROM conflag.recordings r WHERE ${predicate}`);
  const { rows } = await db.query<{ matched: string; already_processed: string; would_change: string }>(counts.sql, counts.parameters);
  const examples = compileSql(sql`SELECT r.id::text AS id, r.tenant_id, r.call_id, r.started_at, r.duration, r.confidential,
       (r.confidential IS DISTINCT FROM ${target}::boolean AND NOT ${processed}) AS would_change
  FROM conflag.recordings r WHERE ${predicate}
 ORDER BY 7 DESC, r.id LIMIT ${options.examples}::int`);
  const sample = await db.query<PreviewExample>(examples.sql, examples.parameters);
  return {
    matched: Number(rows[0].matched),
    alreadyProcessed: Number(rows[0].already_processed),
    wouldChange: Number(rows[0].would_change),
    examples: sample.rows,
  };
}
