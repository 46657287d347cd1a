// Validates a condition with the database's rules (conflag.validate_condition, sql/validate_condition*.sql,
// sql/functions/condition_value_problem.sql and closed_value_problem.sql) and turns it into the typed tree the compiler walks. The database is the
// judge when a job is saved; this mirror lets the compiler refuse — with the same CF1xx code and a clear
// message — anything the database would refuse, instead of compiling something it never agreed to.
import { closedValueProblem } from './closedValues.ts';
import { conditionError, jsonbText, jsonForMessage } from './conditionError.ts';
import { parsePath } from './jsonPath.ts';
import { parseDateValue, parseTimestampParts, parseTimeValue } from './temporal.ts';
import type { Attribute, AttributeType, Catalog, ConditionNode, Json, Leaf, OperatorInfo } from './types.ts';

export const LIMITS = { depth: 10, leaves: 200, textBytes: 65536, arrayValues: 1000, stringChars: 1000 } as const;

const NUMERIC_STRING = /^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
const ORDERING = new Set(['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'between']);
const EQUALITY = new Set(['equal', 'notEqual', 'in', 'notIn']);
const NUMERIC = new Set(['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive']);
const JSON_NUMBER_ONLY =
  'expected a number without quotes: json-rules-engine compares a quoted value with a text in custom character by character ("10" < "9" is true), so conflag takes numbers only here';

type JsonObject = { [key: string]: Json };
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const chars = (s: string) => [...s].length;

/** Parses (and validates) a condition; throws ConditionError (CF100–CF107) like the database would. */
export function parseCondition(condition: unknown, catalog: Catalog): ConditionNode {
  if (condition === null || condition === undefined) {
    throw conditionError('shape', 'NULL is not a condition; write a group such as {"all": [{"fact": "duration", "operator": "greaterThan", "value": 7200}]}');
  }
  const size = Buffer.byteLength(jsonbText(condition));
  if (size > LIMITS.textBytes) {
    throw conditionError('bounds', `${jsonForMessage(condition)} is ${size} bytes long as text; at most ${LIMITS.textBytes} are allowed`);
  }
  const counter = { leaves: 0 };
  return parseNode(condition as Json, '', 1, counter, catalog);
}

function parseNode(node: Json, at: string, depth: number, counter: { leaves: number }, catalog: Catalog): ConditionNode {
  const here = at === '' ? '' : at + ' ';
  const prefix = at === '' ? '' : at + '.';
  if (depth > LIMITS.depth) throw conditionError('bounds', `${at} is nested ${depth} levels deep; at most ${LIMITS.depth} levels are allowed`);
  if (!isObject(node)) {
    throw conditionError('shape', `${here}${jsonForMessage(node)} is not a condition: expected an object, either a group {"all": [...]}, {"any": [...]}, {"not": {...}} or a leaf {"fact": ..., "operator": ..., "value": ...}`);
  }
  const groups = ['all', 'any', 'not'].filter((k) => has(node, k));
  if (groups.length === 0) {
    if (depth === 1) {
      throw conditionError('shape', `${jsonForMessage(node)} is not a group: the top level must have "all", "any" or "not"${has(node, 'fact') ? '; wrap a single leaf as {"all": [ ... ]}' : ''}`);
    }
    if (!['fact', 'operator', 'value'].some((k) => has(node, k))) {
      throw conditionError('shape', `${here}${jsonForMessage(node)} is neither a group (all, any, not) nor a leaf (fact, operator, value)`);
    }
    counter.leaves += 1;
    if (counter.leaves > LIMITS.leaves) {
      throw conditionError('bounds', `${at} is leaf number ${counter.leaves}; at most ${LIMITS.leaves} fact/operator/value conditions are allowed`);
    }
    return parseLeaf(node, at, catalog);
  }
  if (groups.length > 1) {
    throw conditionError('shape', `${here}has both "${groups[0]}" and "${groups[1]}"; a group takes exactly one of all, any, not (nest a second group instead)`);
  }
  for (const key of Object.keys(node)) {
    if (!['all', 'any', 'not', 'name'].includes(key)) {
      throw conditionError('unsupportedKey', `${prefix}${key} is not supported: a group takes exactly one of all, any, not, and optionally name${['fact', 'operator', 'value', 'path'].includes(key) ? ' (a group cannot also be a leaf)' : ''}`);
    }
  }
  checkName(node, prefix);
  const kind = groups[0] as 'all' | 'any' | 'not';
  const inner = node[kind];
  if (kind === 'not') {
    if (!isObject(inner)) throw conditionError('shape', `${prefix}not ${jsonForMessage(inner)} must be one condition object (a group or a leaf)`);
    return { kind: 'not', at, child: parseNode(inner, prefix + 'not', depth + 1, counter, catalog) };
  }
  if (!Array.isArray(inner)) throw conditionError('shape', `${prefix}${kind} ${jsonForMessage(inner)} must be an array of conditions`);
  return { kind, at, children: inner.map((child, i) => parseNode(child, `${prefix}${kind}[${i}]`, depth + 1, counter, catalog)) };
}

function checkName(node: JsonObject, prefix: string): void {
  if (has(node, 'name') && (typeof node.name !== 'string' || chars(node.name) > LIMITS.stringChars)) {
    throw conditionError('shape', `${prefix}name ${jsonForMessage(node.name)} must be a string of at most ${LIMITS.stringChars} characters`);
  }
}

function parseLeaf(node: JsonObject, at: string, catalog: Catalog): Leaf {
  for (const key of Object.keys(node)) {
    if (!['fact', 'operator', 'value', 'path', 'name'].includes(key)) {
      throw conditionError('unsupportedKey', `${at}.${key} is not supported: a fact/operator/value condition takes only fact, operator, value, path and name`);
    }
  }
  checkName(node, at + '.');
  const known = [...catalog.attributes.keys()].sort().join(', ');
  if (typeof node.fact !== 'string') {
    throw conditionError('shape', `${at}.fact ${has(node, 'fact') ? jsonForMessage(node.fact) : 'is missing and'} must be a string naming an attribute; known attributes: ${known}`);
  }
  const attribute = catalog.attributes.get(node.fact);
  if (!attribute) throw conditionError('unknownFact', `${at}.fact ${jsonForMessage(node.fact)} is not a known attribute; known attributes: ${known}`);
  const type = attribute.type;
  const allowed = [...catalog.operators.values()].filter((o) => o.types.includes(type)).map((o) => o.name).sort().join(', ');
  if (typeof node.operator !== 'string') {
    throw conditionError('shape', `${at}.operator ${has(node, 'operator') ? jsonForMessage(node.operator) : 'is missing and'} must be a string naming an operator; operators for "${attribute.name}" (${type}): ${allowed}`);
  }
  const operator = catalog.operators.get(node.operator);
  if (!operator) throw conditionError('unknownOperator', `${at}.operator ${jsonForMessage(node.operator)} is not a known operator; operators for "${attribute.name}" (${type}): ${allowed}`);
  if (!operator.types.includes(type)) {
    throw conditionError('operatorType', `${at}.operator "${operator.name}" does not apply to fact "${attribute.name}" (${type}); operators for ${type}: ${allowed}`);
  }
  const leaf: Leaf = { kind: 'leaf', at, attribute, operator, value: null };
  if (has(node, 'path')) {
    const jsonFacts = [...catalog.attributes.values()].filter((a) => a.type === 'json').map((a) => a.name).sort().join(', ');
    if (type !== 'json') throw conditionError('path', `${at}.path ${jsonForMessage(node.path)} is only allowed on json facts (${jsonFacts}), not on "${attribute.name}" (${type})`);
    const segments = typeof node.path === 'string' && chars(node.path) <= 1000 ? parsePath(node.path) : undefined;
    if (!segments) {
      throw conditionError('path', `${at}.path ${jsonForMessage(node.path)} is not valid: write $ followed by 1 to 10 steps, each .name (letters, digits, _) or [index] (0 to 9999), e.g. $.crm.account or $.items[0].id`);
    }
    leaf.path = node.path as string;
    leaf.segments = segments;
  }
  if (!has(node, 'value')) throw conditionError('value', `${at}.value is missing: "${operator.name}" on fact "${attribute.name}" (${type}) needs a value`);
  leaf.value = node.value;
  checkValue(leaf.value, at, attribute, operator);
  return leaf;
}

function checkValue(value: Json, at: string, attribute: Attribute, operator: OperatorInfo): void {
  const { name: fact, type, values } = attribute;
  const tooLong = (v: Json) => typeof v === 'string' && chars(v) > LIMITS.stringChars;
  if (tooLong(value) || (Array.isArray(value) && value.some(tooLong))) {
    throw conditionError('bounds', `${at}.value ${jsonForMessage(value)} has a string longer than ${LIMITS.stringChars} characters, the most allowed`);
  }
  const fail = (problem: string, where = '', shown: Json = value) =>
    conditionError('value', `${at}.value${where} ${jsonForMessage(shown)} is not valid for "${operator.name}" on fact "${fact}" (${type}): ${problem}`);
  let problem: string | undefined;
  switch (operator.valueShape) {
    case 'boolean':
      if (typeof value !== 'boolean') problem = 'expected true or false';
      break;
    case 'string':
      problem = typeof value !== 'string' ? 'expected a string' : closedValueProblem(values, operator.name, value);
      break;
    case 'scalar':
      problem = valueProblem(value, type, operator.name, values);
      break;
    case 'scalar_or_null':
      if (value !== null) problem = valueProblem(value, type, operator.name, values);
      break;
    case 'array':
    case 'pair':
      if (!Array.isArray(value)) {
        problem = operator.valueShape === 'pair' ? 'expected an array of two values [low, high]' : 'expected an array of values';
      } else if (operator.valueShape === 'pair' && value.length !== 2) {
        problem = `expected exactly two values [low, high], not ${value.length}`;
      } else if (value.length > LIMITS.arrayValues) {
        throw conditionError('bounds', `${at}.value has ${value.length} values; at most ${LIMITS.arrayValues} are allowed`);
      } else {
        value.forEach((element, i) => {
          if (operator.valueShape === 'array' && element === null) return;
          const p = valueProblem(element, type, operator.name, values);
          if (p) throw fail(p, `[${i}]`, element);
        });
      }
      break;
  }
  if (problem) throw fail(problem);
}

/** conflag.condition_value_problem: why one value does not fit the type under the operator, or can never match an
 * attribute whose values are `values`. */
export function valueProblem(value: Json, type: AttributeType, operator: string, values?: string[]): string | undefined {
  switch (type) {
    case 'text':
    case 'text_array':
      return typeof value === 'string' ? closedValueProblem(values, operator, value) : 'expected a string';
    case 'number':
      if (typeof value === 'number') return undefined;
      if (typeof value === 'string' && EQUALITY.has(operator)) {
        return `expected a number without quotes: ${operator} compares with ===, and 5 === "5" is false, so a string could never match`;
      }
      if (typeof value === 'string' && ORDERING.has(operator) && NUMERIC_STRING.test(value)) return undefined;
      return 'expected a number' + (ORDERING.has(operator) ? ' (or a decimal number in a string, such as "7200")' : '');
    case 'timestamp':
      // The zone only matters for the instant, not for validity, so this check is independent of the job.
      return parseTimestampParts(value) === undefined
        ? "expected a timestamp string YYYY-MM-DD HH:MM[:SS[.ffffff]] (or with T), optionally ending in Z or an offset such as +02:00; without an offset it is read in the job's timezone (and it must be a real date and time)"
        : undefined;
    case 'date':
      return parseDateValue(value) === undefined ? 'expected a date string YYYY-MM-DD (a real date)' : undefined;
    case 'time':
      return parseTimeValue(value) === undefined ? 'expected a time of day string HH:MM or HH:MM:SS (00:00 to 23:59:59)' : undefined;
    case 'json':
      if (NUMERIC.has(operator)) return typeof value === 'number' ? undefined : JSON_NUMBER_ONLY;
      return value === null || ['string', 'number', 'boolean'].includes(typeof value)
        ? undefined
        : 'expected a JSON scalar (string, number, true, false or null), not an object or array';
  }
}
