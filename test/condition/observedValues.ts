// Value pools for the differential test, taken from the batch's own recordings: conditions built from values
// that occur (or from their prefixes, suffixes, other cases, neighbours) select proper subsets far more often
// than values drawn blindly, which is what makes the comparison with json-rules-engine meaningful.
import fc from 'fast-check';
import type { Attribute } from '../../src/condition/types.ts';

/** Values seen in the batch's recordings (per fact), and paths that exist in their custom: conditions built
 * from them select proper subsets far more often than values drawn blindly. */
export interface Observed {
  values: Map<string, unknown[]>;
  paths: string[];
  jsonScalars: unknown[];
}

function walkJson(value: unknown, path: string, depth: number, observed: Observed): void {
  if (value === null || typeof value !== 'object') {
    observed.jsonScalars.push(value);
    return;
  }
  if (depth >= 3) return;
  const entries = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v] as const) : Object.entries(value).map(([k, v]) => [`.${k}`, v] as const);
  for (const [step, child] of entries) {
    if (!/^(\.[A-Za-z_][A-Za-z0-9_]*|\[\d{1,4}\])$/.test(step)) continue;
    observed.paths.push(path + step);
    walkJson(child, path + step, depth + 1, observed);
  }
}

export function observe(factsList: Record<string, unknown>[]): Observed {
  const observed: Observed = { values: new Map(), paths: [], jsonScalars: [] };
  for (const facts of factsList) {
    for (const [name, value] of Object.entries(facts)) {
      if (name === 'custom') {
        walkJson(value, '$', 0, observed);
        continue;
      }
      const list = observed.values.get(name) ?? [];
      if (Array.isArray(value)) list.push(...value.filter((v) => v !== null));
      else if (value !== null) list.push(value);
      observed.values.set(name, list);
    }
  }
  return observed;
}

/** A value derived from an observed one: itself, a prefix, a suffix, another case, a neighbour number. */
export function derived(attribute: Attribute, seen: unknown[]): fc.Arbitrary<unknown> | undefined {
  if (seen.length === 0) return undefined;
  const pick = fc.constantFrom(...seen);
  switch (attribute.type) {
    case 'text':
    case 'text_array':
      return fc.tuple(pick, fc.constantFrom('same', 'prefix', 'suffix', 'upper', 'lower', 'middle'), fc.nat(4)).map(([v, how, n]) => {
        const chars = [...String(v)];
        if (how === 'prefix') return chars.slice(0, n).join('');
        if (how === 'suffix') return chars.slice(chars.length - n).join('');
        if (how === 'middle') return chars.slice(1, 1 + n).join('');
        if (how === 'upper') return String(v).toUpperCase();
        if (how === 'lower') return String(v).toLowerCase();
        return String(v);
      });
    case 'number':
      return fc.tuple(pick, fc.integer({ min: -1, max: 1 })).map(([v, d]) => Number(v) + d);
    case 'timestamp':
      // The fact is UTC ISO text; offer it as is, without its Z (then read in the job's zone), or shifted.
      return fc.tuple(pick, fc.constantFrom('z', 'local', 'offset')).map(([v, how]) => {
        const text = String(v).replace('T', ' ');
        if (how === 'z') return text;
        if (how === 'offset') return text.replace('Z', '+01:00');
        return text.replace('Z', '');
      });
    case 'date':
      return pick;
    case 'time':
      return pick.map((v) => String(v).slice(0, 8));
  }
  return undefined;
}
