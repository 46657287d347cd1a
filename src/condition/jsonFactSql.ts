// The SQL value of a json fact (custom) reached through an optional path, as json-rules-engine computes it:
// jsonb, where SQL NULL stands for JavaScript's `undefined` (missing) and jsonb 'null' for `null`.
//
// json-rules-engine applies a path only when the fact is an object or array (anything else, NULL included, is
// returned as it is), then resolves it with jsonpath-plus (`wrap: false`), which walks JavaScript values:
// besides keys and array elements it also reads `.length` of arrays and non-empty strings and `[n]` of
// strings (one UTF-16 code unit); it never steps into a falsy value ("", 0, false, null). `#>` walks the same
// objects and arrays, so the compiler uses it for the plain part of the path and emulates the JavaScript-only
// steps where the value met there is a string or an array.
import { sql } from 'kysely';
import { pathElements } from './jsonPath.ts';
import type { Expr } from './sqlParts.ts';
import type { PathSegment } from './types.ts';

/**
 * A one-code-unit string that is half of a surrogate pair: not valid in jsonb, equal to no condition value,
 * not empty, not an array — exactly how this object behaves under every json operator.
 */
export const LONE_SURROGATE = '{"conflag:lone_surrogate": true}';

/** UTF-16 length of a text (JavaScript's .length): characters beyond U+FFFF count twice. */
function utf16Length(s: Expr): Expr {
  return sql`(char_length(${s}) + char_length(regexp_replace(${s}, '[^\\U00010000-\\U0010FFFF]', '', 'g')))`;
}

/** JavaScript's s[n] as jsonb: the UTF-16 code unit n of text s, or NULL past the end. (Splitting '' yields
 * one empty piece, which is not a character.) */
function codeUnit(s: Expr, n: number): Expr {
  return sql`(SELECT CASE WHEN ascii(u.c) > 65535 THEN ${sql.lit(LONE_SURROGATE)}::jsonb ELSE to_jsonb(u.c) END FROM (SELECT t.c, sum(CASE WHEN ascii(t.c) > 65535 THEN 2 ELSE 1 END) OVER (ORDER BY t.i) AS units FROM regexp_split_to_table(${s}, '') WITH ORDINALITY AS t(c, i) WHERE t.c <> '') AS u WHERE u.units > ${n}::int ORDER BY u.units LIMIT 1)`;
}

const isLength = (s: PathSegment) => 'key' in s && s.key === 'length';

/** Whether a path has steps whose meaning PostgreSQL's #> does not share (`.length`, `[n]` on strings). */
export function hasJavaScriptOnlySteps(segments: PathSegment[] | undefined): boolean {
  return segments !== undefined && segments.some((s) => isLength(s) || 'index' in s);
}

/**
 * What the rest of the path gives once a JavaScript-only step produced `w` (a number for `.length`, a
 * one-code-unit string for `[n]`): on a one-unit string `[0]` is itself and `.length` is 1; anything else
 * is undefined.
 */
function tail(w: Expr, kind: 'number' | 'char', rest: PathSegment[]): Expr {
  let state: 'number' | 'char' | 'one' | 'missing' = kind;
  for (const s of rest) {
    if (state === 'char' && 'index' in s && s.index === 0) continue;
    state = state === 'char' && isLength(s) ? 'one' : 'missing';
  }
  if (state === 'missing') return sql`NULL::jsonb`;
  if (state === 'one') return sql`CASE WHEN ${w} IS NULL THEN NULL ELSE '1'::jsonb END`;
  return w;
}

export function jsonFactSql(x: Expr, segments: PathSegment[] | undefined): Expr {
  const whole = sql`COALESCE(${x}, 'null'::jsonb)`;
  if (!segments) return whole;
  const branches: Expr[] = [];
  segments.forEach((segment, i) => {
    const before = i === 0 ? x : sql`(${x} #> ${pathElements(segments.slice(0, i))}::text[])`;
    const rest = segments.slice(i + 1);
    if (isLength(segment)) {
      branches.push(sql`WHEN jsonb_typeof(${before}) = 'array' THEN ${tail(sql`to_jsonb(jsonb_array_length(${before}))`, 'number', rest)}`);
      // jsonpath-plus only steps into truthy values: "".length is undefined, not 0.
      branches.push(sql`WHEN jsonb_typeof(${before}) = 'string' AND ${before} <> '""'::jsonb THEN ${tail(sql`to_jsonb(${utf16Length(sql`(${before} #>> '{}')`)})`, 'number', rest)}`);
    } else if ('index' in segment) {
      branches.push(sql`WHEN jsonb_typeof(${before}) = 'string' THEN ${tail(codeUnit(sql`(${before} #>> '{}')`, segment.index), 'char', rest)}`);
    }
  });
  const plain = sql`${x} #> ${pathElements(segments)}::text[]`;
  const walk = branches.length ? sql`CASE ${sql.join(branches, sql.raw(' '))} ELSE ${plain} END` : plain;
  return sql`(CASE WHEN jsonb_typeof(${x}) IN ('object', 'array') THEN ${walk} ELSE ${whole} END)`;
}
