// Attributes with a closed set of values (conflag.attributes.allowed_values: direction, start_weekday): a string
// value none of them can match is refused, with the values and a suggestion — the TypeScript mirror of
// conflag.closed_value_problem (sql/functions/closed_value_problem.sql), so the compiler refuses what the
// database refuses.
import { caseFolded } from './caseFolding.ts';

const TEXT_OPERATORS = ['startsWith', 'endsWith', 'includes'];
const CHECKED = new Set(['equal', 'notEqual', 'in', 'notIn', ...TEXT_OPERATORS, ...[...TEXT_OPERATORS, 'equal'].map((o) => `${o}IgnoreCase`)]);

function matches(kind: string, candidate: string, value: string): boolean {
  if (kind === 'startsWith') return candidate.startsWith(value);
  if (kind === 'endsWith') return candidate.endsWith(value);
  if (kind === 'includes') return candidate.includes(value);
  return candidate === value;
}

/** Why `value` can never match an attribute whose values are `values` under `operator`; undefined if it can (or
 * the attribute has no closed set). */
export function closedValueProblem(values: string[] | undefined, operator: string, value: string): string | undefined {
  if (!values || !CHECKED.has(operator)) return undefined;
  const fold = operator.endsWith('IgnoreCase');
  const kind = operator.replace('IgnoreCase', '');
  const norm = (s: string) => (fold ? caseFolded(s) : s);
  if (values.some((v) => matches(kind, norm(v), norm(value)))) return undefined;
  const list = values.join(', ');
  if (TEXT_OPERATORS.includes(kind)) {
    // Lower case helps a case-sensitive operator only (the values are written in one case).
    const lower = value.toLowerCase();
    const suggest = !fold && values.some((v) => matches(kind, v, lower)) ? `; did you mean ${JSON.stringify(lower)}?` : '';
    const verb = kind === 'startsWith' ? 'starts with' : kind === 'endsWith' ? 'ends with' : 'contains';
    return `it can never match: none of the fact's values (${list}) ${verb} it${fold ? ' ignoring case' : ''}${suggest}`;
  }
  const lower = value.toLowerCase();
  const suggestion = values.find((v) => v.toLowerCase() === lower) ?? values.find((v) => [...value].length >= 2 && v.toLowerCase().startsWith(lower));
  return `it is none of the fact's values (${list})${suggestion === undefined ? '' : `; did you mean ${JSON.stringify(suggestion)}?`}`;
}
