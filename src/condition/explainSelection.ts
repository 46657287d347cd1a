// The SQL a job's scope and condition compile to, as `conflag explain` and the job page show it: the predicate
// over r (the recordings table of conflag.recording_source), the statement shape it runs in, and every bind
// parameter as PostgreSQL receives it.
import { sql } from 'kysely';
import { compileSql } from '../db/kysely.ts';
import type { RecordingSource } from '../source/recordingSource.ts';
import { recordingsOfJob, type JobSelection } from './recordingsOfJob.ts';
import type { Catalog, ConditionContext } from './types.ts';

export interface SelectionSql {
  predicate: string;
  statement: string;
  parameters: readonly unknown[];
}

export function explainSelection(job: JobSelection, catalog: Catalog, ctx: ConditionContext, source: RecordingSource): SelectionSql {
  const predicate = recordingsOfJob(job, catalog, ctx, source);
  const compiled = compileSql(predicate);
  const statement = compileSql(sql`SELECT ${sql.raw(source.keyColumnsSql)} FROM ${sql.raw(source.table)} r WHERE ${predicate}`);
  return { predicate: compiled.sql, statement: statement.sql, parameters: compiled.parameters };
}

/** `$1 = '…'` lines: each parameter as the SQL literal text PostgreSQL receives. */
export function formatParameters(parameters: readonly unknown[]): string {
  if (parameters.length === 0) return '  (none)';
  return parameters.map((p, i) => `  $${i + 1} = ${Array.isArray(p) ? `{${p.map((e) => JSON.stringify(e)).join(',')}}` : `'${String(p).replaceAll("'", "''")}'`}`).join('\n');
}
