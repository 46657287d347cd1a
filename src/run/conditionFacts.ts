// Which facts a condition reads, and whether it depends on the run's time (an attribute whose expression uses
// {as_of}, such as age_days). An incremental run may only skip unchanged recordings when it does not: a
// recording can start matching "age_days > 30" without ever changing.
import type { Catalog } from '../condition/types.ts';

export function conditionFacts(condition: unknown, facts = new Set<string>()): Set<string> {
  if (Array.isArray(condition)) {
    for (const child of condition) conditionFacts(child, facts);
  } else if (condition && typeof condition === 'object') {
    const node = condition as Record<string, unknown>;
    if (typeof node.fact === 'string') facts.add(node.fact);
    for (const key of ['all', 'any', 'not'] as const) if (key in node) conditionFacts(node[key], facts);
  }
  return facts;
}

export function dependsOnRunTime(condition: unknown, catalog: Catalog): boolean {
  for (const fact of conditionFacts(condition)) {
    // An unknown fact cannot compile anyway; treat it as time-dependent to stay on the safe side.
    const expression = catalog.attributes.get(fact)?.expression;
    if (expression === undefined || expression.includes('{as_of}')) return true;
  }
  return false;
}
