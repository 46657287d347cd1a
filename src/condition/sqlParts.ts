// Small SQL building blocks of the compiler. Every predicate they return is two-valued (never NULL), so
// NOT, AND and OR over them mean what JavaScript's !, && and || mean.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Attribute, ConditionContext } from './types.ts';

export type Predicate = RawBuilder<SqlBool>;
export type Expr = RawBuilder<unknown>;

export const TRUE: Predicate = sql<SqlBool>`true`;
export const FALSE: Predicate = sql<SqlBool>`false`;

/**
 * The attribute's SQL from the catalog (text the database accepted as one expression over the row when it was
 * written, spliced with sql.raw), with {tz} and {as_of} replaced by bound parameters — the only values an attribute
 * expression ever sees. In parentheses unless it is atomic, so an operator the compiler puts next to it (`x = $1`,
 * `x::text`) applies to the whole of a DBA's `r.first || ' ' || r.last`.
 */
export function attributeSql(attribute: Attribute, ctx: ConditionContext): Expr {
  const parts = attribute.expression.split(/(\{tz\}|\{as_of\})/);
  const expression = sql.join(
    parts.map((part) =>
      part === '{tz}' ? sql`${ctx.timezone}::text` : part === '{as_of}' ? sql`${ctx.liveAsOf ? 'now' : ctx.asOf.toISOString()}::timestamptz` : sql.raw(part),
    ),
    sql.raw(''),
  );
  return isAtomic(attribute.expression) ? expression : sql`(${expression})`;
}

/**
 * Whether an expression binds tighter than any operator: outside its parentheses and brackets there are only
 * names, dots and :: casts — r.duration, floor(...), (... AT TIME ZONE ...)::date, (ARRAY[...])[...]. The built-in
 * attributes all are, so their compiled SQL (and the fingerprints of incremental jobs) stays as it was.
 */
export function isAtomic(expression: string): boolean {
  let depth = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'" || c === '"') {
      if (c === "'" && depth === 0) return false;
      i = closingQuote(expression, i);
      if (i < 0) return false;
    } else if (c === '(' || c === '[') {
      depth++;
    } else if (c === ')' || c === ']') {
      depth--;
    } else if (depth === 0 && !/[A-Za-z0-9_.:]/.test(c)) {
      return false;
    }
  }
  return depth === 0;
}

/** The index of the quote that closes the string or quoted identifier opening at `start` (a doubled quote is part of it), or -1. */
function closingQuote(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] !== quote) continue;
    if (text[i + 1] !== quote) return i;
    i++;
  }
  return -1;
}

const PLAIN_COLUMN = /^r\.[a-z_][a-z0-9_]*$/;

/**
 * Makes a comparison over the attribute two-valued: NULL → false. A NOT NULL column needs nothing; a plain
 * column gets `x IS NOT NULL AND …` (the planner can still use an index and push NOT through it); a derived
 * expression gets COALESCE(…, false) so it is computed once.
 */
export function nullSafe(attribute: Attribute, x: Expr, predicate: Predicate): Predicate {
  if (attribute.notNull) return predicate;
  if (PLAIN_COLUMN.test(attribute.expression)) return sql<SqlBool>`(${x} IS NOT NULL AND ${predicate})`;
  return sql<SqlBool>`COALESCE(${predicate}, false)`;
}

export function not(p: Predicate): Predicate {
  if (p === TRUE) return FALSE;
  if (p === FALSE) return TRUE;
  return sql<SqlBool>`(NOT ${p})`;
}

/** OR of two-valued predicates; false when empty (a leaf's alternatives, not json-rules-engine's `any`). */
export function or(ps: Predicate[]): Predicate {
  if (ps.includes(TRUE)) return TRUE;
  const rest = ps.filter((p) => p !== FALSE);
  if (rest.length === 0) return FALSE;
  if (rest.length === 1) return rest[0];
  return sql<SqlBool>`(${sql.join(rest, sql` OR `)})`;
}

/** AND of two-valued predicates; true when empty. */
export function and(ps: Predicate[]): Predicate {
  if (ps.includes(FALSE)) return FALSE;
  const rest = ps.filter((p) => p !== TRUE);
  if (rest.length === 0) return TRUE;
  if (rest.length === 1) return rest[0];
  return sql<SqlBool>`(${sql.join(rest, sql` AND `)})`;
}
