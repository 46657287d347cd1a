// The compiler refuses exactly what the database refuses: random near-valid conditions (wrong keys, facts,
// operators, value types and shapes, paths, bounds) get the same verdict and the same CF1xx SQLSTATE from
// parseCondition (TypeScript) as from conflag.validate_condition (the database).
import fc from 'fast-check';
import pg from 'pg';
import * as assert from 'uvu/assert';
import { ConditionError } from '../../src/condition/conditionError.ts';
import { loadCatalog } from '../../src/condition/loadCatalog.ts';
import { parseCondition } from '../../src/condition/parseCondition.ts';
import type { Catalog } from '../../src/condition/types.ts';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { leafFor } from './arbitraries.ts';

const test = suite('condition: validation agrees with the database');
// One client, not the pool: pg-pool discards a connection whose query failed, and most queries here fail.
const client = new pg.Client({ connectionString: databaseUrl() });
test.after(async () => {
  await client.end();
  await closePools();
});
const pool = openPool();
const SEED = Number(process.env.CONFLAG_PROPERTY_SEED ?? 20240310);
let catalog: Catalog;
test.before(async () => {
  await client.connect();
  catalog = await loadCatalog(pool);
});

async function databaseVerdict(condition: unknown): Promise<string> {
  try {
    await client.query('SELECT conflag.validate_condition($1::jsonb)', [JSON.stringify(condition)]);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

function compilerVerdict(condition: unknown): string {
  try {
    parseCondition(condition, catalog);
    return 'ok';
  } catch (error) {
    if (error instanceof ConditionError) return error.code;
    throw error;
  }
}

const garbage = fc.oneof(
  fc.constantFrom(null, true, 0, -1.5, '', 'x', 'equal', '2024-01-01', '2024-01-01 10:00', '10:00', '7200', 'abc', '1e3', [], {}, [1, 2], ['a'], [null], { fact: 'duration' }),
  fc.string({ maxLength: 4 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const badPath = fc.constantFrom('$', '$.', '$[01]', '$..a', '$.a b', '$[10000]', 'a', '$.1a', '$[-1]', '$.a.b.c.d.e.f.g.h.i.j.k', 5, null, '$.é');

function looseLeaf(catalog: Catalog): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      leafFor(catalog),
      fc.constantFrom('none', 'fact', 'operator', 'value', 'path', 'drop', 'extra', 'name', 'valueOfOther'),
      garbage,
      badPath,
      fc.constantFrom('fact', 'operator', 'value', 'path'),
      fc.constantFrom(...catalog.attributes.keys(), 'nope', 'Duration'),
      fc.constantFrom(...catalog.operators.keys(), 'nope', 'not:equal', 'Equal'),
    )
    .map(([leaf, how, junk, path, key, fact, operator]) => {
      const l: Record<string, unknown> = { ...leaf };
      if (how === 'fact') l.fact = fact;
      if (how === 'operator') l.operator = operator;
      if (how === 'value') l.value = junk;
      if (how === 'path') l.path = path;
      if (how === 'drop') delete l[key];
      if (how === 'extra') l.priority = 1;
      if (how === 'name') l.name = junk;
      if (how === 'valueOfOther') l.fact = fact;
      return l;
    });
}

function looseCondition(catalog: Catalog): fc.Arbitrary<unknown> {
  const leaf = looseLeaf(catalog);
  const node = (level: number): fc.Arbitrary<unknown> => {
    const child = level >= 3 ? fc.oneof({ arbitrary: leaf, weight: 5 }, garbage) : fc.oneof({ arbitrary: leaf, weight: 4 }, node(level + 1), garbage);
    return fc.oneof(
      { arbitrary: fc.record({ all: fc.array(child, { maxLength: 3 }) }), weight: 3 },
      fc.record({ any: fc.array(child, { maxLength: 3 }) }),
      fc.record({ not: child }),
      fc.record({ all: child }),
      fc.record({ any: fc.array(child, { maxLength: 2 }), all: fc.array(child, { maxLength: 2 }) }),
      fc.record({ all: fc.array(child, { maxLength: 2 }), name: garbage }),
      fc.record({ all: fc.array(child, { maxLength: 2 }), fact: fc.constant('duration') }),
      level === 1 ? leaf : child,
    );
  };
  return node(1);
}

test('random near-valid conditions: same verdict and SQLSTATE', async () => {
  const verdicts = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(looseCondition(catalog), async (condition) => {
      const [db, ts] = [await databaseVerdict(condition), compilerVerdict(condition)];
      verdicts.set(db, (verdicts.get(db) ?? 0) + 1);
      assert.is(ts, db, JSON.stringify(condition));
    }),
    { numRuns: Number(process.env.CONFLAG_PROPERTY_RUNS ?? 3000), seed: SEED },
  );
  // Both verdicts, and every CF1xx code except the size bound, must have come up for the test to mean much.
  for (const code of ['ok', 'CF100', 'CF101', 'CF102', 'CF103', 'CF104', 'CF105', 'CF106']) {
    assert.ok((verdicts.get(code) ?? 0) > 5, `verdict ${code} came up ${verdicts.get(code) ?? 0} times: ${JSON.stringify([...verdicts])}`);
  }
});

test('bounds: depth, leaves, array sizes, string lengths, text size', async () => {
  const leaf = { fact: 'duration', operator: 'greaterThan', value: 1 };
  let deep: unknown = leaf;
  for (let i = 0; i < 10; i++) deep = { not: deep };
  const cases: unknown[] = [
    deep,
    { all: Array.from({ length: 201 }, () => leaf) },
    { all: [{ fact: 'duration', operator: 'in', value: Array.from({ length: 1001 }, (_, i) => i) }] },
    { all: [{ fact: 'call_id', operator: 'equal', value: 'x'.repeat(1001) }] },
    { all: [{ fact: 'call_id', operator: 'in', value: ['é'.repeat(1000)] }] },
    { all: Array.from({ length: 200 }, () => ({ fact: 'call_id', operator: 'in', value: ['x'.repeat(400)] })) },
  ];
  for (const condition of cases) {
    const [db, ts] = [await databaseVerdict(condition), compilerVerdict(condition)];
    assert.is(ts, db, JSON.stringify(condition).slice(0, 200));
  }
  assert.is(compilerVerdict(cases[0]), 'CF107');
  assert.is(compilerVerdict(cases[4]), 'ok');
  assert.is(compilerVerdict(cases[5]), 'CF107');
});

test('messages name the location, the value and what is allowed', () => {
  assert.throws(
    () => parseCondition({ all: [{ fact: 'duration', operator: 'startsWith', value: 'x' }] }, catalog),
    (e: Error) => /all\[0\]\.operator "startsWith" does not apply to fact "duration" \(number\); operators for number: .*between/.test(e.message),
  );
  assert.throws(
    () => parseCondition({ any: [{ not: { fact: 'custom', path: '$.a[01]', operator: 'equal', value: 1 } }] }, catalog),
    (e: Error) => /any\[0\]\.not\.path "\$\.a\[01\]" is not valid/.test(e.message),
  );
  assert.throws(
    () => parseCondition({ all: [{ fact: 'started_at', operator: 'before', value: '2024-13-01 10:00' }] }, catalog),
    (e: Error) => /all\[0\]\.value "2024-13-01 10:00" is not valid for "before" on fact "started_at" \(timestamp\): expected a timestamp/.test(e.message),
  );
});

test.run();
