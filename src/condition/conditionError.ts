// The error the TypeScript side of condition handling throws: the same CF1xx SQLSTATE codes and the same
// kind of message as the database's conflag.validate_condition (sql/validate_condition*.sql), so a
// condition is judged alike wherever it is checked.
import { ConflagError } from '../errors.ts';

export const CONDITION_CODES = {
  shape: 'CF100',
  unsupportedKey: 'CF101',
  unknownFact: 'CF102',
  unknownOperator: 'CF103',
  operatorType: 'CF104',
  value: 'CF105',
  path: 'CF106',
  bounds: 'CF107',
} as const;

export class ConditionError extends ConflagError {
  override name = 'ConditionError';
}

export function conditionError(kind: keyof typeof CONDITION_CODES, message: string): ConditionError {
  return new ConditionError(CONDITION_CODES[kind], `jobs.condition: ${message}`);
}

/** A JSON value inside a message, cut to 80 characters like conflag.json_for_message. */
export function jsonForMessage(value: unknown): string {
  if (value === undefined) return 'NULL';
  const text = jsonbText(value);
  return text.length > 80 ? text.slice(0, 77) + '...' : text;
}

/**
 * PostgreSQL's text form of a jsonb value (keys ordered by length then bytes, `", "` and `": "` separators),
 * close enough to measure a condition's size like the database does. Numbers use JavaScript's form, which
 * can differ from the stored numeric's (1.0 vs 1), so sizes within a few bytes of the limit may differ.
 */
export function jsonbText(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(', ')}]`;
  const keys = Object.keys(value).sort((a, b) => {
    const [la, lb] = [Buffer.byteLength(a), Buffer.byteLength(b)];
    return la !== lb ? la - lb : Buffer.compare(Buffer.from(a), Buffer.from(b));
  });
  return `{${keys.map((k) => `${JSON.stringify(k)}: ${jsonbText((value as Record<string, unknown>)[k])}`).join(', ')}}`;
}
