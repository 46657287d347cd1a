// One fact/operator/value leaf → a two-valued SQL predicate with json-rules-engine's meaning. Values are
// interpreted in TypeScript first (JavaScript's coercions, the job's timezone) and only the result is bound.
import { sql } from 'kysely';
import { compileJsonLeaf } from './compileJsonLeaf.ts';
import { caseFolded, lowerSql } from './caseFolding.ts';
import { attributeSql, FALSE, not, nullSafe, or, type Expr, type Predicate } from './sqlParts.ts';
import { instantParameter, offsetInstant, parseDateValue, parseTimestampParts, parseTimeValue, timeParameter, wallParameter } from './temporal.ts';
import type { Catalog, ConditionContext, Json, Leaf } from './types.ts';

export function compileLeaf(leaf: Leaf, catalog: Catalog, ctx: ConditionContext): Predicate {
  const { attribute, operator, value } = leaf;
  if (attribute.type === 'json') return compileJsonLeaf(leaf, ctx);
  const x = attributeSql(attribute, ctx);
  const safe = (p: Predicate) => nullSafe(attribute, x, p);
  switch (operator.name) {
    case 'isEmpty': {
      const empty =
        attribute.type === 'text'
          ? sql<boolean>`(${x} IS NULL OR ${x} = '')`
          : attribute.type === 'text_array'
            ? sql<boolean>`(${x} IS NULL OR cardinality(${x}) = 0)`
            : sql<boolean>`(${x} IS NULL)`;
      return value === true ? empty : value === false ? not(empty) : FALSE;
    }
    case 'equal':
      return equalTo(leaf, x, [value], safe);
    case 'notEqual':
      return not(equalTo(leaf, x, [value], safe));
    case 'in':
      return Array.isArray(value) ? equalTo(leaf, x, value, safe) : FALSE;
    case 'notIn':
      return Array.isArray(value) ? not(equalTo(leaf, x, value, safe)) : FALSE;
    case 'contains':
    case 'doesNotContain':
      return arrayContains(x, value, operator.name === 'doesNotContain');
    case 'lessThan':
    case 'lessThanInclusive':
    case 'greaterThan':
    case 'greaterThanInclusive': {
      // json-rules-engine: the fact must parse as a number, then JavaScript's `<` coerces the value (Number()).
      const b = Number(value);
      if (Number.isNaN(b)) return FALSE;
      const op = { lessThan: '<', lessThanInclusive: '<=', greaterThan: '>', greaterThanInclusive: '>=' }[operator.name];
      return safe(sql`${x} ${sql.raw(op)} ${numberParameter(b)}`);
    }
    case 'between':
    case 'before':
    case 'after':
    case 'onOrBefore':
    case 'onOrAfter':
      return ordered(leaf, x, ctx, safe);
    case 'startsWith':
    case 'endsWith':
    case 'includes':
      return typeof value === 'string' ? safe(textMatch(operator.name, x, value)) : FALSE;
    case 'equalIgnoreCase':
    case 'startsWithIgnoreCase':
    case 'endsWithIgnoreCase':
    case 'includesIgnoreCase': {
      if (typeof value !== 'string') return FALSE;
      const kind = operator.name.replace('IgnoreCase', '');
      return safe(textMatch(kind, lowerSql(x, catalog), caseFolded(value)));
    }
  }
  throw new Error(`conflag has no SQL for operator "${operator.name}" (${leaf.at}); the operator catalog and src/condition/ disagree`);
}

/**
 * A JavaScript number as a bound SQL value: bigint when it is a safe integer (an integer column then compares
 * without converting every row to numeric), else numeric (exact; 'Infinity' and '-Infinity' included).
 */
function numberParameter(n: number): Expr {
  const text = String(n === 0 ? 0 : n);
  return Number.isSafeInteger(n) ? sql`${text}::bigint` : sql`${text}::numeric`;
}

function textMatch(kind: string, x: Expr, v: string): Predicate {
  if (kind === 'equal') return sql`${x} = ${v}::text`;
  if (kind === 'startsWith') return sql`starts_with(${x}, ${v}::text)`;
  // right() counts characters (code points) like PostgreSQL's strings; the value's count is computed here.
  if (kind === 'endsWith') return sql`right(${x}, ${[...v].length}::int) = ${v}::text`;
  return sql`strpos(${x}, ${v}::text) > 0`;
}

/** `===` against one of `values` (equal: one value; in: the list). Only values of the fact's JS type can match. */
function equalTo(leaf: Leaf, x: Expr, values: Json[], safe: (p: Predicate) => Predicate): Predicate {
  const alternatives: Predicate[] = [];
  if (values.includes(null)) alternatives.push(sql`(${x} IS NULL)`);
  const type = leaf.attribute.type;
  if (type === 'text') {
    const strings = values.filter((v): v is string => typeof v === 'string');
    if (strings.length === 1) alternatives.push(safe(sql`${x} = ${strings[0]}::text`));
    if (strings.length > 1) alternatives.push(safe(sql`${x} = ANY(${strings}::text[])`));
  } else if (type === 'number') {
    const numbers = values.filter((v): v is number => typeof v === 'number');
    if (numbers.length === 1) alternatives.push(safe(sql`${x} = ${numberParameter(numbers[0])}`));
    if (numbers.length > 1) {
      const list = numbers.map((n) => String(n === 0 ? 0 : n));
      alternatives.push(safe(numbers.every(Number.isSafeInteger) ? sql`${x} = ANY(${list}::bigint[])` : sql`${x} = ANY(${list}::numeric[])`));
    }
  } else if (type === 'date') {
    // The date fact is 'YYYY-MM-DD'; only a real date in exactly that form can be === to it.
    const dates = values.map(parseDateValue).filter((v): v is string => v !== undefined);
    if (dates.length === 1) alternatives.push(safe(sql`${x} = ${dates[0]}::date`));
    if (dates.length > 1) alternatives.push(safe(sql`${x} = ANY(${dates}::date[])`));
  }
  return or(alternatives);
}

function arrayContains(x: Expr, value: Json, negate: boolean): Predicate {
  // json-rules-engine: both operators require Array.isArray(fact): a NULL array is false for both. A
  // multidimensional text[] holds no strings at its top level (and array_position would raise), so contains
  // is false and doesNotContain true for it.
  if (value !== null && typeof value !== 'string') return negate ? sql`(${x} IS NOT NULL)` : FALSE;
  const found = sql`CASE WHEN array_ndims(${x}) = 1 THEN array_position(${x}, ${value}::text) IS NOT NULL ELSE false END`;
  return negate ? sql`(${x} IS NOT NULL AND NOT ${found})` : sql`(${found})`;
}

/** between / before / after / onOrBefore / onOrAfter over number, timestamp, date and time attributes. */
function ordered(leaf: Leaf, x: Expr, ctx: ConditionContext, safe: (p: Predicate) => Predicate): Predicate {
  const { attribute, operator, value } = leaf;
  const bind = (v: Json): Expr | undefined => {
    switch (attribute.type) {
      case 'number': {
        const n = Number(v);
        return Number.isNaN(n) ? undefined : numberParameter(n);
      }
      case 'timestamp': {
        // With an offset: the instant. Without: a wall-clock time PostgreSQL reads in the job's zone, so every zone
        // it knows works, with its own rule for times in a DST gap or overlap.
        const parts = parseTimestampParts(v);
        if (!parts) return undefined;
        return parts.offset === undefined
          ? sql`(${wallParameter(parts)}::timestamp AT TIME ZONE ${ctx.timezone}::text)`
          : sql`${instantParameter(offsetInstant({ ...parts, offset: parts.offset }))}::timestamptz`;
      }
      case 'date': {
        const d = parseDateValue(v);
        return d === undefined ? undefined : sql`${d}::date`;
      }
      case 'time': {
        const t = parseTimeValue(v);
        return t === undefined ? undefined : sql`${timeParameter(t)}::time`;
      }
    }
    return undefined;
  };
  if (operator.name === 'between') {
    if (!Array.isArray(value) || value.length !== 2) return FALSE;
    const [low, high] = [bind(value[0]), bind(value[1])];
    if (!low || !high) return FALSE;
    return safe(sql`${x} BETWEEN ${low} AND ${high}`);
  }
  const bound = bind(value);
  if (!bound) return FALSE;
  const op = { before: '<', after: '>', onOrBefore: '<=', onOrAfter: '>=' }[operator.name as 'before'];
  return safe(sql`${x} ${sql.raw(op)} ${bound}`);
}
