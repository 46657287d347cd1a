// The recordings a job acts on: those of the tenants in its access scope (NULL = every tenant) that match
// its condition. A predicate over the alias r, for the executor's batched UPDATE and for preview.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { checkContext, compileCondition, compileNode } from './compileCondition.ts';
import { parseCondition } from './parseCondition.ts';
import { and } from './sqlParts.ts';
import type { Catalog, ConditionContext } from './types.ts';

export interface JobSelection {
  access_scope: string[] | null;
  condition: unknown;
}

/** The tenant column of the recordings table, quoted and as text (RecordingSource.tenantColumn); conflag.recordings' by default. */
export interface TenantColumn {
  tenantColumn: string;
}

export function recordingsOfJob(
  job: JobSelection, catalog: Catalog, ctx: ConditionContext, source: TenantColumn = { tenantColumn: 'tenant_id' },
): RawBuilder<SqlBool> {
  if (job.access_scope === null) return compileCondition(job.condition, catalog, ctx);
  if (!Array.isArray(job.access_scope) || job.access_scope.some((t) => typeof t !== 'string')) {
    throw new TypeError('recordingsOfJob: access_scope must be NULL or an array of tenant ids');
  }
  // The column name comes from the catalog (format('%I') in loadRecordingSource); tenant ids are bound.
  const scope = sql<SqlBool>`${sql.raw(`r.${source.tenantColumn}`)} = ANY(${job.access_scope}::text[])`;
  checkContext(ctx);
  const root = parseCondition(job.condition, catalog);
  // A top-level "all" joins the scope test as a sibling, which reads better than a nested group.
  if (root.kind === 'all') return and([scope, ...root.children.map((c) => compileNode(c, catalog, ctx))]);
  return and([scope, compileNode(root, catalog, ctx)]);
}
