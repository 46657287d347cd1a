// The recordings a job acts on: those of the tenants in its access scope (NULL = every tenant) that match
// its condition. A predicate over the alias r, for the executor's batched UPDATE and for preview.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { compileCondition } from './compileCondition.ts';
import { and } from './sqlParts.ts';
import type { Catalog, ConditionContext } from './types.ts';

export interface JobSelection {
  access_scope: string[] | null;
  condition: unknown;
}

export function recordingsOfJob(job: JobSelection, catalog: Catalog, ctx: ConditionContext): RawBuilder<SqlBool> {
  const condition = compileCondition(job.condition, catalog, ctx);
  if (job.access_scope === null) return condition;
  if (!Array.isArray(job.access_scope) || job.access_scope.some((t) => typeof t !== 'string')) {
    throw new TypeError('recordingsOfJob: access_scope must be NULL or an array of tenant ids');
  }
  return and([sql<SqlBool>`r.tenant_id = ANY(${job.access_scope}::text[])`, condition]);
}
