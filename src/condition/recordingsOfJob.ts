// The recordings a job acts on: those of the tenants in its access scope (NULL = every tenant) that match its
// condition — and, when DBAs settled a conflict by giving other jobs precedence over it (conflag.job_precedence),
// that none of those winners selects: `AND NOT (winner's scope AND condition)`, each winner's condition read in
// the winner's own timezone, so where both select a recording the winner's action stands and this job leaves it
// alone. A predicate over the alias r, for the executor's batched UPDATE, preview, explain and the conflicts view.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { checkContext, compileNode } from './compileCondition.ts';
import { parseCondition } from './parseCondition.ts';
import { and, not, or, type Predicate } from './sqlParts.ts';
import type { Catalog, ConditionContext } from './types.ts';

export interface JobSelection {
  access_scope: string[] | null;
  condition: unknown;
  /** Enabled jobs of the opposite action this one yields to (conflag.job_precedence), with their resolved timezone. */
  yields_to?: Winner[];
}

export interface Winner {
  id: string;
  name: string;
  access_scope: string[] | null;
  condition: unknown;
  timezone: string;
}

/** The tenant column of the recordings table, quoted and as text (RecordingSource.tenantColumn); conflag.recordings' by default. */
export interface TenantColumn {
  tenantColumn: string;
}

export function recordingsOfJob(
  job: JobSelection, catalog: Catalog, ctx: ConditionContext, source: TenantColumn = { tenantColumn: 'tenant_id' },
): RawBuilder<SqlBool> {
  const own = selection(job, catalog, ctx, source);
  const winners = job.yields_to ?? [];
  if (winners.length === 0) return and(own);
  return and([...own, not(or(winners.map((w) => and(selection(w, catalog, { timezone: w.timezone, asOf: ctx.asOf }, source)))))]);
}

/** Scope and condition as the operands of an AND (a top-level "all" joins the scope test as siblings). */
function selection(job: JobSelection, catalog: Catalog, ctx: ConditionContext, source: TenantColumn): Predicate[] {
  checkContext(ctx);
  const root = parseCondition(job.condition, catalog);
  const condition = root.kind === 'all' && job.access_scope !== null ? root.children.map((c) => compileNode(c, catalog, ctx)) : [compileNode(root, catalog, ctx)];
  if (job.access_scope === null) return condition;
  if (!Array.isArray(job.access_scope) || job.access_scope.some((t) => typeof t !== 'string')) {
    throw new TypeError('recordingsOfJob: access_scope must be NULL or an array of tenant ids');
  }
  // The column name comes from the catalog (format('%I') in loadRecordingSource); tenant ids are bound.
  return [sql<SqlBool>`${sql.raw(`r.${source.tenantColumn}`)} = ANY(${job.access_scope}::text[])`, ...condition];
}
