// Leaves over json attributes (custom, with or without a path). The fact is a jsonb value where SQL NULL
// means `undefined` (see jsonFactSql). json-rules-engine compares with `===`: strings, booleans and null
// by value, numbers as doubles (see doubleInterval), objects and arrays never equal a condition value. Its
// lessThan family reads the fact as JavaScript's `<` does (conflag.js_number) and compares it as a double.
import { sql, type SqlBool } from 'kysely';
import { compileSql } from '../db/kysely.ts';
import { roundingInterval } from './doubleInterval.ts';
import { hasJavaScriptOnlySteps, jsonFactSql } from './jsonFactSql.ts';
import { attributeSql, FALSE, not, or, type Expr, type Predicate } from './sqlParts.ts';
import type { ConditionContext, Json, Leaf } from './types.ts';

/**
 * The numeric range literal of every decimal that rounds to the double `x` in JavaScript: comparing a jsonb
 * number with it (`n <@ range`) is exact and never fails, unlike a cast to float8 (which rejects 1e400).
 */
function roundingRange(x: number): string {
  const { low, high, inclusive } = roundingInterval(x);
  return `${inclusive ? '[' : '('}${low ?? ''},${high ?? ''}${inclusive ? ']' : ')'}`;
}

/** j === one of `values`, for a jsonb j that is not NULL; NULL (undefined) propagates — callers COALESCE. */
function equalsAny(j: Expr, values: Json[]): Predicate {
  const alternatives: Predicate[] = [];
  // Strings, booleans and null: jsonb equality is exact for them (strings compare byte for byte).
  const others = values.filter((v) => v === null || typeof v === 'string' || typeof v === 'boolean').map((v) => JSON.stringify(v));
  if (others.length === 1) alternatives.push(sql`${j} = ${others[0]}::jsonb`);
  if (others.length > 1) alternatives.push(sql`${j} = ANY(${others}::jsonb[])`);
  const numbers = [...new Set(values.filter((v): v is number => typeof v === 'number').map((v) => (v === 0 ? 0 : v)))];
  if (numbers.length) {
    // One cast per row, only on numbers: CASE keeps PostgreSQL from evaluating it for other types.
    const ranges = numbers.map(roundingRange);
    alternatives.push(
      ranges.length === 1
        ? sql`CASE WHEN jsonb_typeof(${j}) = 'number' THEN (${j})::numeric <@ ${ranges[0]}::numrange ELSE false END`
        : sql`CASE WHEN jsonb_typeof(${j}) = 'number' THEN (${j})::numeric <@ ANY(${ranges}::numrange[]) ELSE false END`,
    );
  }
  return or(alternatives);
}

const NUMERIC: Record<string, { side: 'low' | 'high'; op: [string, string] }> = {
  // round(n) > b  <=>  n is above b's rounding range: n > high when high rounds to b (inclusive), else n >= high.
  greaterThan: { side: 'high', op: ['>', '>='] },
  greaterThanInclusive: { side: 'low', op: ['>=', '>'] },
  lessThan: { side: 'low', op: ['<', '<='] },
  lessThanInclusive: { side: 'high', op: ['<=', '<'] },
};

/** json-rules-engine's numeric comparison of the json fact j with the number b, exactly as a double. */
function compareNumber(j: Expr, operator: string, b: number): Predicate {
  const { side, op } = NUMERIC[operator];
  const range = roundingInterval(b);
  const bound = range[side];
  const n = sql`conflag.js_number(${j})`;
  // An unbounded side: nothing is above +Infinity's range (or below -Infinity's), everything is at least within.
  if (bound === undefined) return operator.endsWith('Inclusive') ? sql<SqlBool>`(${n} IS NOT NULL)` : FALSE;
  return sql<SqlBool>`COALESCE(${n} ${sql.raw(op[range.inclusive ? 0 : 1])} ${bound}::numeric, false)`;
}

/** The array j has an element === value (j known to be an array). */
function arrayHas(j: Expr, value: Json): Predicate {
  if (typeof value === 'number') {
    return sql`EXISTS (SELECT 1 FROM jsonb_array_elements(${j}) AS e(v) WHERE ${equalsAny(sql`e.v`, [value])})`;
  }
  if (typeof value === 'string') return sql`${j} @> jsonb_build_array(${value}::text)`;
  if (typeof value === 'boolean') return sql`${j} @> ${sql.raw(`'[${value}]'`)}::jsonb`;
  if (value === null) return sql`${j} @> '[null]'::jsonb`;
  return FALSE;
}

export function compileJsonLeaf(leaf: Leaf, ctx: ConditionContext): Predicate {
  const fact = jsonFactSql(attributeSql(leaf.attribute, ctx), leaf.segments);
  if (!hasJavaScriptOnlySteps(leaf.segments)) return predicate(leaf, fact);
  // A path with JavaScript-only steps makes a long expression; when the predicate reads it more than once,
  // compute it once per row instead (OFFSET 0 keeps the planner from inlining it back).
  const once = predicate(leaf, sql.raw('f.j'));
  if ((compileSql(once).sql.match(/\bf\.j\b/g) ?? []).length <= 1) return predicate(leaf, fact);
  return sql<SqlBool>`(SELECT ${once} FROM (SELECT ${fact} AS j OFFSET 0) AS f)`;
}

function predicate(leaf: Leaf, j: Expr): Predicate {
  const value = leaf.value;
  const isArray = (p: Predicate): Predicate => sql`COALESCE(CASE WHEN jsonb_typeof(${j}) = 'array' THEN ${p} ELSE false END, false)`;
  switch (leaf.operator.name) {
    case 'equal':
      return sql`COALESCE(${equalsAny(j, [value])}, false)`;
    case 'notEqual':
      return not(sql<SqlBool>`COALESCE(${equalsAny(j, [value])}, false)`);
    case 'in':
      return Array.isArray(value) ? sql`COALESCE(${equalsAny(j, value)}, false)` : FALSE;
    case 'notIn':
      return Array.isArray(value) ? not(sql<SqlBool>`COALESCE(${equalsAny(j, value)}, false)`) : FALSE;
    case 'contains':
      return isArray(arrayHas(j, value));
    case 'doesNotContain':
      return isArray(not(arrayHas(j, value)));
    case 'lessThan':
    case 'lessThanInclusive':
    case 'greaterThan':
    case 'greaterThanInclusive':
      return typeof value === 'number' ? compareNumber(j, leaf.operator.name, value) : FALSE;
    case 'isEmpty': {
      // undefined, null, '' and [] are empty; {} is not.
      const empty = sql<SqlBool>`(${j} IS NULL OR ${j} IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb))`;
      return value === true ? empty : value === false ? not(empty) : FALSE;
    }
  }
  throw new Error(`conflag has no SQL for operator "${leaf.operator.name}" on json facts (${leaf.at})`);
}
