// fast-check generators for the differential test: recordings full of NULLs, edge numbers, tricky unicode,
// instants near midnight and DST changes, raw JSON with numbers JavaScript cannot hold exactly; and valid
// condition trees over every attribute and operator of the catalog (values in each operator's shape).
import fc from 'fast-check';
import type { Attribute, Catalog, OperatorInfo } from '../../src/condition/types.ts';
import type { NewRecording } from './helpers.ts';
import { derived, type Observed } from './observedValues.ts';

export { observe } from './observedValues.ts';

// Pieces chosen for case mapping and UTF-16 traps: ß/ẞ/SS, dotted/dotless i, the three sigmas, titlecase ǅ,
// Kelvin and Ohm signs, a combining acute, astral characters (surrogate pairs), LIKE's metacharacters.
const PIECES = ['a', 'b', 'A', 'B', 'ab', 'ß', 'ẞ', 'SS', 'ss', 'İ', 'i', 'ı', 'I', 'Σ', 'σ', 'ς', 'ǅ', 'ǆ', '\u212A', 'k', '\u2126', 'ω',
  'é', 'e\u0301', '\u0301', '😀', '𝔸', ' ', '-', '%', '_', '\\', '1', 'ﬁ', 'Ǆ'];

export const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 5 }).map((p) => p.join(''));
const shortText = fc.array(fc.constantFrom(...PIECES), { maxLength: 2 }).map((p) => p.join(''));
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const DIRECTIONS = ['inbound', 'outbound', 'internal'];
const textValue = fc.oneof({ arbitrary: shortText, weight: 4 }, { arbitrary: text, weight: 2 }, fc.constantFrom(...WEEKDAYS, ...DIRECTIONS, 'default', 'Sunday', 'SUNDAY'));

const nullable = <T>(a: fc.Arbitrary<T>, freq = 3) => fc.option(a, { nil: null, freq });

// Dates around DST changes (America/New_York 2024-03-10 / 11-03, Europe/Berlin 2024-03-31 / 10-27) and year ends.
const DATES = ['2024-03-10', '2024-11-03', '2024-03-31', '2024-10-27', '2024-06-01', '2023-12-31', '2024-01-01', '2024-02-29'];
const dayMs = (date: string) => Date.parse(date + 'T00:00:00Z');

/** An instant near one of DATES: whole seconds mostly (so equal boundaries happen), microseconds sometimes. */
const instant = fc
  .tuple(fc.constantFrom(...DATES), fc.integer({ min: -12 * 3600, max: 36 * 3600 }), fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, fc.integer({ min: 0, max: 999_999 })))
  .map(([date, seconds, micros]) => {
    const iso = new Date(dayMs(date) + seconds * 1000).toISOString().slice(0, 19);
    return `${iso}.${String(micros).padStart(6, '0')}Z`;
  });

const DURATIONS = [0, 1, -1, 5, 60, 7200, 7201, 2147483647, -2147483648];
const INTEGER_EDGES = [0, 1, -1, 5, 60, 84, 1440, 7200, 2147483647, -2147483648, 2147483648, -2147483649, 9007199254740991];

// Raw JSON number texts: JavaScript reads several of them differently from jsonb (1.0 = 1, 1e400 = Infinity).
const RAW_NUMBERS = ['0', '-0', '1', '1.0', '1.00000000000000001', '0.99999999999999999', '1e400', '-1e400', '1e-400', '0.1',
  '2', '3', '4', '1.5', '-2147483648', '9007199254740993', '1e21', '100',
  // Exactly halfway between two doubles: ties go to the even mantissa (1, then 1 + 2^-51).
  '1.00000000000000011102230246251565404236316680908203125', '1.00000000000000033306690738754696212708950042724609375'];
const KEYS = ['a', 'b', 'crm', 'length', 'x'];
// Texts JavaScript's `<` reads as numbers or not (json-rules-engine's lessThan family on custom): white space of
// several kinds around them, hex/octal/binary, exponents, Infinity, a numeric prefix ("4abc" passes parseFloat but
// is NaN), digits JavaScript does not know, huge and tiny values, a 2^1024 hex.
const NUMERIC_TEXTS = ['4', ' 4 ', '\u00a04\u2028', '\u200b4', '\ufeff3', '4abc', '0x10', '0X1f', '0b11', '0o7', '0o8', '-0x1', '1e3', '.5', '5.',
  '+3', '-2', '1.e1', 'Infinity', '-Infinity', 'infinity', '', ' ', '1_000', '1e400', '-1e400', '1e-400', '00012', 'NaN', '1e', '.', '\u0664',
  '2.9999999999999999', '1.00000000000000011102230246251565404236316680908203125', '0x' + 'f'.repeat(256), '3.0e0', '10', '9'];

const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text.map((s) => JSON.stringify(s)),
    fc.constantFrom(...NUMERIC_TEXTS).map((s) => JSON.stringify(s)),
    fc.constantFrom(...RAW_NUMBERS),
    // One-element arrays are their element to JavaScript's `<` ([4] < 5), nested too.
    fc.constantFrom(...RAW_NUMBERS.slice(0, 8), ...NUMERIC_TEXTS.slice(0, 8).map((t) => JSON.stringify(t))).map((x) => `[${x}]`),
    fc.constantFrom('true', 'false', 'null'),
    fc.array(tie('value'), { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 3 }).map(
      (o) => `{${Object.entries(o).map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`,
    ),
  ),
})).value;

const customText = fc.oneof(
  { arbitrary: fc.constant(null), weight: 2 },
  { arbitrary: fc.dictionary(fc.constantFrom(...KEYS), jsonText, { maxKeys: 4 }).map((o) => `{${Object.entries(o).map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`), weight: 5 },
  { arbitrary: jsonText, weight: 2 },
);

export const TENANTS = ['default', 'acme', 'Ωmega-ß'];

export const recording: fc.Arbitrary<NewRecording> = fc.record({
  tenant_id: fc.constantFrom(...TENANTS),
  started_at: instant,
  ended_at: nullable(instant),
  call_id: nullable(text),
  duration: nullable(fc.oneof(fc.constantFrom(...DURATIONS), fc.integer({ min: -100000, max: 100000 }))),
  direction: nullable(fc.constantFrom(...DIRECTIONS)),
  caller_number: nullable(text),
  caller_name: nullable(text),
  callee_number: nullable(text),
  callee_name: nullable(text),
  user_name: nullable(text),
  group_name: nullable(text),
  tags: nullable(fc.array(nullable(shortText, 5), { maxLength: 3 })),
  notes: nullable(fc.oneof(text, fc.constant(''))),
  customText: customText.map((c) => c ?? undefined),
}).map((r) => (r.customText === undefined ? (({ customText, ...rest }) => rest)(r) : r));

// ---- condition values, by attribute type -------------------------------------------------------------

const pad = (n: number) => String(n).padStart(2, '0');
const hour = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 23 }));
const minute = fc.oneof(fc.constantFrom(0, 30, 59), fc.integer({ min: 0, max: 59 }));
const timeValue = fc
  .tuple(hour, minute, fc.option(fc.integer({ min: 0, max: 59 })))
  .map(([h, m, s]) => `${pad(h)}:${pad(m)}${s === null ? '' : ':' + pad(s)}`);
const dateValue = fc
  .tuple(fc.constantFrom(...DATES), fc.integer({ min: -1, max: 1 }))
  .map(([d, shift]) => new Date(dayMs(d) + shift * 86_400_000).toISOString().slice(0, 10));
const timestampValue = fc
  .tuple(dateValue, fc.constantFrom(' ', 'T'), hour, minute, fc.option(fc.integer({ min: 0, max: 59 })), fc.option(fc.integer({ min: 0, max: 999_999 })),
    fc.oneof({ arbitrary: fc.constant(''), weight: 3 }, fc.constantFrom('Z', '+00:00', '-05:00', '+01:00', '+05:30', '-15:59')))
  .map(([d, sep, h, m, s, f, offset]) => {
    const fraction = f === null || f === 0 ? '' : '.' + String(f).padStart(6, '0').replace(/0+$/, '');
    return `${d}${sep}${pad(h)}:${pad(m)}${s === null ? '' : ':' + pad(s) + fraction}${offset}`;
  });
const NUMERIC_STRINGS = ['7200', '-5', '0', '1e3', '.5', '1.', '2147483647', '-2147483649', '1e400', '-0', '00012', '84'];
const numberValue = fc.oneof(fc.constantFrom(...INTEGER_EDGES, 0.5, -0.5, 1e21, 1.5), fc.integer({ min: -200, max: 200 }), fc.integer({ min: -200000, max: 200000 }));
const JSON_NUMBERS = [0, 1, 2, 3, 4, 1.5, 0.1, 1e21, 100, -2147483648, 9007199254740992, 1.0000000000000002, 1.0000000000000004, 16, 12, 0.5, -2, 1000, 5e-324, 1.7976931348623157e308, -1];
const jsonNumber = fc.oneof(fc.constantFrom(...JSON_NUMBERS), fc.integer({ min: -20, max: 20 }));
const jsonScalar = fc.oneof(text, fc.constantFrom(...JSON_NUMBERS), fc.boolean(), fc.constant(null));
const NUMERIC_OPERATORS = ['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'];

function scalarFor(attribute: Attribute, operator: OperatorInfo, observed?: Observed): fc.Arbitrary<unknown> {
  const blind = blindScalarFor(attribute, operator);
  const seen = attribute.type === 'json' ? observedJson(operator, observed) : derived(attribute, observed?.values.get(attribute.name) ?? []);
  return seen ? fc.oneof({ arbitrary: seen, weight: 2 }, { arbitrary: blind, weight: 1 }) : blind;
}

/** json values seen in the recordings; for the numeric operators only the finite numbers (JSON has no others),
 * including what seen texts read as. */
function observedJson(operator: OperatorInfo, observed?: Observed): fc.Arbitrary<unknown> | undefined {
  const scalars = observed?.jsonScalars ?? [];
  const values = NUMERIC_OPERATORS.includes(operator.name)
    ? scalars.map((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v)).filter((v) => typeof v === 'number' && Number.isFinite(v))
    : scalars;
  return values.length ? fc.constantFrom(...values) : undefined;
}

function blindScalarFor(attribute: Attribute, operator: OperatorInfo): fc.Arbitrary<unknown> {
  switch (attribute.type) {
    case 'text':
    case 'text_array':
      return textValue;
    case 'number':
      return ['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'between'].includes(operator.name)
        ? fc.oneof({ arbitrary: numberValue, weight: 3 }, fc.constantFrom(...NUMERIC_STRINGS))
        : numberValue;
    case 'timestamp':
      return timestampValue;
    case 'date':
      return dateValue;
    case 'time':
      return timeValue;
    case 'json':
      return NUMERIC_OPERATORS.includes(operator.name) ? jsonNumber : jsonScalar;
  }
}

/** For an attribute with a closed set of values, values that can match: one of them, or for the text operators a
 * beginning, end or middle of one (in another case for the IgnoreCase forms). */
function closedScalar(values: string[], operator: OperatorInfo): fc.Arbitrary<string> {
  const kind = operator.name.replace('IgnoreCase', '');
  const piece = fc.tuple(fc.constantFrom(...values), fc.nat(4), fc.nat(4)).map(([v, a, b]) => {
    if (kind === 'startsWith') return v.slice(0, a + 1);
    if (kind === 'endsWith') return v.slice(v.length - a - 1);
    if (kind === 'includes') return v.slice(a, a + b + 1);
    return v;
  });
  return operator.name.endsWith('IgnoreCase') ? fc.tuple(piece, fc.boolean()).map(([v, upper]) => (upper ? v.toUpperCase() : v)) : piece;
}

function valueFor(attribute: Attribute, operator: OperatorInfo, observed?: Observed): fc.Arbitrary<unknown> {
  const scalar = attribute.values && operator.valueShape !== 'boolean' ? closedScalar(attribute.values, operator) : scalarFor(attribute, operator, observed);
  switch (operator.valueShape) {
    case 'boolean':
      return fc.boolean();
    case 'string':
      return attribute.type === 'text' || attribute.values ? scalar : textValue;
    case 'scalar':
      return scalar;
    case 'scalar_or_null':
      return fc.oneof({ arbitrary: scalar, weight: 4 }, fc.constant(null));
    case 'array':
      return fc.array(fc.oneof({ arbitrary: scalar, weight: 5 }, fc.constant(null)), { maxLength: 4 });
    case 'pair':
      return fc.tuple(scalar, scalar);
  }
}

const SEGMENTS = ['.a', '.b', '.crm', '.length', '.x', '[0]', '[1]', '[2]'];
const path = fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 3 }).map((s) => '$' + s.join(''));

export function leafFor(catalog: Catalog, observed?: Observed): fc.Arbitrary<Record<string, unknown>> {
  const paths = observed?.paths.length ? fc.oneof({ arbitrary: fc.constantFrom(...observed.paths), weight: 2 }, path) : path;
  const pairs: [Attribute, OperatorInfo][] = [];
  for (const a of catalog.attributes.values()) for (const o of catalog.operators.values()) if (o.types.includes(a.type)) pairs.push([a, o]);
  return fc.constantFrom(...pairs).chain(([attribute, operator]) => {
    const base = { fact: fc.constant(attribute.name), operator: fc.constant(operator.name), value: valueFor(attribute, operator, observed) };
    if (attribute.type !== 'json') return fc.record(base);
    return fc.oneof({ arbitrary: fc.record({ ...base, path: paths }), weight: 4 }, fc.record(base));
  });
}

/** Condition trees: a group at the top, groups nested up to 4 levels, empty groups and `not` included. */
export function conditionFor(catalog: Catalog, observed?: Observed, maxDepth = 4): fc.Arbitrary<Record<string, unknown>> {
  const leaf = leafFor(catalog, observed);
  const group = (level: number): fc.Arbitrary<Record<string, unknown>> => {
    const child = level >= maxDepth ? leaf : fc.oneof({ arbitrary: leaf, weight: 3 }, { arbitrary: group(level + 1), weight: 1 });
    // Mostly non-empty groups; empty ones (true in json-rules-engine) still come up.
    const children = fc.oneof({ arbitrary: fc.array(child, { minLength: 1, maxLength: 4 }), weight: 6 }, fc.constant([]));
    return fc.oneof(
      { arbitrary: fc.record({ all: children }), weight: 2 },
      { arbitrary: fc.record({ any: children }), weight: 2 },
      fc.record({ not: child }),
    );
  };
  return group(1);
}

export const TIMEZONES = ['America/New_York', 'Europe/Berlin', 'UTC', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham',
  'America/St_Johns', 'Asia/Kathmandu', 'Asia/Tokyo', 'Pacific/Kiritimati', 'America/Los_Angeles'];

export const context = fc.record({
  timezone: fc.oneof({ arbitrary: fc.constantFrom('America/New_York', 'Europe/Berlin'), weight: 3 }, fc.constantFrom(...TIMEZONES)),
  asOf: fc.tuple(fc.constantFrom(...DATES), fc.integer({ min: -2 * 86_400_000, max: 3 * 86_400_000 })).map(([d, ms]) => new Date(dayMs(d) + ms)),
});
