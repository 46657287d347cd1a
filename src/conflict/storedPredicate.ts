// A compiled predicate in the form conflag.job_predicates keeps it, so that the database can evaluate it without the
// compiler (conflag.job_conflict_counts): the SQL text as kysely wrote it, whose $n the database rewrites to the
// stored parameter n, and the parameters as the text node-postgres would send. That rewrite is safe only if every
// `$` in the text is a placeholder and each is cast (`$3::text[]`: an element of text[] becomes any type through
// its cast); both are checked here, and a predicate breaking either is refused rather than stored.
import { createRequire } from 'node:module';
import type { CompiledSql } from '../db/kysely.ts';

// node-postgres's own conversion of a bound value to the text it sends (arrays as array literals, and so on).
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue: (value: unknown) => string | null };

export interface StoredPredicate {
  predicate: string;
  parameters: string[];
}

export function storedPredicate(compiled: CompiledSql): StoredPredicate {
  const placeholders = [...compiled.sql.matchAll(/\$([0-9]+)/g)];
  const uncast = placeholders.find((m) => !compiled.sql.startsWith('::', m.index + m[0].length));
  if (uncast) throw new Error(`a compiled predicate cannot be stored: its ${uncast[0]} has no cast`);
  const dollars = compiled.sql.split('$').length - 1;
  if (dollars !== placeholders.length) throw new Error('a compiled predicate cannot be stored: it has a $ that is no placeholder');
  const numbers = new Set(placeholders.map((m) => Number(m[1])));
  if ([...numbers].some((n) => n < 1 || n > compiled.parameters.length)) {
    throw new Error(`a compiled predicate cannot be stored: its placeholders do not match its ${compiled.parameters.length} parameters`);
  }
  const parameters = compiled.parameters.map((p, i) => {
    const text = prepareValue(p);
    if (text === null) throw new Error(`a compiled predicate cannot be stored: parameter $${i + 1} is NULL`);
    return text;
  });
  return { predicate: compiled.sql, parameters };
}
