// A job's condition as people read it: a nested list of "all of" / "any of" / "not" groups whose leaves say
// "duration greater than 7 200 s (2 h)" or "tags contains "vip"". Built from the parsed condition tree
// (src/condition/parseCondition.ts), so it describes exactly what the compiler compiles. Plain strings: the page
// escapes them.
import { parseCondition } from '../condition/parseCondition.ts';
import type { Catalog, ConditionNode, Json, Leaf } from '../condition/types.ts';

export interface ConditionLine {
  text: string;
  children: ConditionLine[];
}

/** "greaterThanInclusive" → "greater than or equal to"; the catalog's names, split into words otherwise. */
const OPERATOR_WORDS: Record<string, string> = {
  equal: 'is', notEqual: 'is not', in: 'is one of', notIn: 'is none of', lessThanInclusive: 'at most',
  greaterThanInclusive: 'at least', onOrBefore: 'on or before', onOrAfter: 'on or after', isEmpty: 'is empty',
};

/** Units of the number attributes, for "7 200 s (2 h)". */
const UNITS: Record<string, { unit: string; per: Array<[number, string]> }> = {
  duration: { unit: 's', per: [[86_400, 'd'], [3600, 'h'], [60, 'min']] },
  age_minutes: { unit: 'min', per: [[1440, 'd'], [60, 'h']] },
  age_days: { unit: 'days', per: [] },
};

/** 7200 → "7 200" (a thin space groups thousands, as in the issue's examples). */
export function groupDigits(n: number): string {
  const [whole, fraction] = String(n).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

function describeValue(value: Json, attribute: string): string {
  if (typeof value === 'number') {
    const unit = UNITS[attribute];
    if (!unit) return groupDigits(value);
    const larger = unit.per.find(([size]) => value >= size && value % size === 0);
    return `${groupDigits(value)} ${unit.unit}${larger ? ` (${groupDigits(value / larger[0])} ${larger[1]})` : ''}`;
  }
  if (Array.isArray(value)) return value.map((v) => describeValue(v, attribute)).join(', ');
  return JSON.stringify(value);
}

function describeLeaf(leaf: Leaf): string {
  const name = leaf.attribute.name + (leaf.path ? ` ${leaf.path}` : '');
  const op = leaf.operator.name;
  if (op === 'isEmpty') return `${name} ${leaf.value ? 'is empty' : 'is not empty'}`;
  if (op === 'between' && Array.isArray(leaf.value)) {
    return `${name} between ${describeValue(leaf.value[0], leaf.attribute.name)} and ${describeValue(leaf.value[1], leaf.attribute.name)}`;
  }
  const words = OPERATOR_WORDS[op] ?? op.replace(/([A-Z])/g, ' $1').toLowerCase();
  return `${name} ${words} ${describeValue(leaf.value, leaf.attribute.name)}`;
}

function describeNode(node: ConditionNode): ConditionLine {
  switch (node.kind) {
    case 'leaf':
      return { text: describeLeaf(node), children: [] };
    case 'not':
      return { text: 'not', children: [describeNode(node.child)] };
    case 'all':
    case 'any':
      if (node.children.length === 0) return { text: `${node.kind} of nothing (always true)`, children: [] };
      return { text: `${node.kind} of`, children: node.children.map(describeNode) };
  }
}

/** The condition as nested lines; a condition that no longer parses (the catalog changed) throws ConditionError. */
export function describeCondition(condition: unknown, catalog: Catalog): ConditionLine {
  return describeNode(parseCondition(condition, catalog));
}
