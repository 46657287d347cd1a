// A job condition → one boolean SQL predicate over the recording alias r (conflag.recordings) that selects
// exactly the recordings json-rules-engine (with conflag's operators) says true for. The predicate is never
// NULL: every leaf is two-valued, so NOT/AND/OR are JavaScript's !/&&/||. Empty groups follow
// json-rules-engine: `all: []` and `any: []` are both true (kysely's eb.or([]) would be false).
import type { RawBuilder, SqlBool } from 'kysely';
import { compileLeaf } from './compileLeaf.ts';
import { parseCondition } from './parseCondition.ts';
import { and, not, or, TRUE, type Predicate } from './sqlParts.ts';
import type { Catalog, ConditionContext, ConditionNode } from './types.ts';

export function compileCondition(condition: unknown, catalog: Catalog, ctx: ConditionContext): RawBuilder<SqlBool> {
  checkContext(ctx);
  return compileNode(parseCondition(condition, catalog), catalog, ctx);
}

/** A timezone name (PostgreSQL judges it: the compiled SQL reads times with AT TIME ZONE) and a real as_of. */
export function checkContext(ctx: ConditionContext): void {
  if (typeof ctx.timezone !== 'string' || ctx.timezone === '') throw new RangeError('compileCondition: ctx.timezone must be a time zone name');
  if (!(ctx.asOf instanceof Date) || Number.isNaN(ctx.asOf.getTime())) throw new RangeError('compileCondition: ctx.asOf must be a valid Date');
}

export function compileNode(node: ConditionNode, catalog: Catalog, ctx: ConditionContext): Predicate {
  switch (node.kind) {
    case 'leaf':
      return compileLeaf(node, catalog, ctx);
    case 'not':
      return not(compileNode(node.child, catalog, ctx));
    case 'all':
      return and(node.children.map((c) => compileNode(c, catalog, ctx)));
    case 'any':
      return node.children.length === 0 ? TRUE : or(node.children.map((c) => compileNode(c, catalog, ctx)));
  }
}
