// conflag's own operators, as JavaScript functions registered on json-rules-engine: the reference meaning the
// SQL compiler must reproduce. They never throw, return strict booleans, and read a timestamp value without
// an offset in the job's timezone (closing over it), through the same functions the compiler uses.
import { caseFolded } from './caseFolding.ts';
import {
  parseDateValue,
  parseTimeFact,
  parseTimestampFact,
  parseTimestampValue,
  parseTimeValue,
  type Micros,
} from './temporal.ts';

export type OperatorFn = (factValue: unknown, jsonValue: unknown) => boolean;

/** json-rules-engine's numberValidator: what it lets reach its numeric comparisons. */
export function isNumberLike(factValue: unknown): boolean {
  return Number.parseFloat(factValue as string).toString() !== 'NaN';
}

const DATE_FACT = /^\d{4}-\d{2}-\d{2}$/;
const TIME_FACT = /^\d{2}:\d{2}:\d{2}(\.\d{6})?$/;

/** The facts' kinds: a number, or a date / time / timestamp fact text, each with its ordered key. */
function ordering(fact: unknown, timezone: string): { key: (v: unknown) => number | string | Micros | undefined; fact: number | string | Micros } | undefined {
  if (typeof fact === 'number') {
    // The built-in numeric comparisons' rules: the fact must look numeric, the value is coerced by `<`.
    if (!isNumberLike(fact)) return undefined;
    return { fact, key: (v) => (Number.isNaN(Number(v)) ? undefined : Number(v)) };
  }
  if (typeof fact !== 'string') return undefined;
  if (DATE_FACT.test(fact)) return { fact, key: parseDateValue };
  if (TIME_FACT.test(fact)) {
    const us = parseTimeFact(fact);
    return us === undefined ? undefined : { fact: us, key: parseTimeValue };
  }
  const us = parseTimestampFact(fact);
  return us === undefined ? undefined : { fact: us, key: (v) => parseTimestampValue(v, timezone) };
}

function compare(test: (c: number) => boolean, timezone: string): OperatorFn {
  return (fact, value) => {
    const o = ordering(fact, timezone);
    if (!o) return false;
    const v = o.key(value);
    if (v === undefined) return false;
    return test(o.fact < v ? -1 : o.fact > v ? 1 : 0);
  };
}

function text(test: (fact: string, value: string) => boolean, fold = false): OperatorFn {
  return (fact, value) =>
    typeof fact === 'string' && typeof value === 'string' && (fold ? test(caseFolded(fact), caseFolded(value)) : test(fact, value));
}

export function conflagOperators(timezone: string): Record<string, OperatorFn> {
  return {
    between: (fact, value) => {
      if (!Array.isArray(value) || value.length !== 2) return false;
      return compare((c) => c >= 0, timezone)(fact, value[0]) && compare((c) => c <= 0, timezone)(fact, value[1]);
    },
    before: compare((c) => c < 0, timezone),
    after: compare((c) => c > 0, timezone),
    onOrBefore: compare((c) => c <= 0, timezone),
    onOrAfter: compare((c) => c >= 0, timezone),
    startsWith: text((f, v) => f.startsWith(v)),
    endsWith: text((f, v) => f.endsWith(v)),
    includes: text((f, v) => f.includes(v)),
    equalIgnoreCase: text((f, v) => f === v, true),
    startsWithIgnoreCase: text((f, v) => f.startsWith(v), true),
    endsWithIgnoreCase: text((f, v) => f.endsWith(v), true),
    includesIgnoreCase: text((f, v) => f.includes(v), true),
    isEmpty: (fact, value) => {
      const empty = fact === null || fact === undefined || fact === '' || (Array.isArray(fact) && fact.length === 0);
      return value === true ? empty : value === false ? !empty : false;
    },
  };
}
