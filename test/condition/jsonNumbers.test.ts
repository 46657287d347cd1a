// json-rules-engine's numeric operators on custom (issue 11): its numberValidator (parseFloat) decides what reaches
// JavaScript's `<`, which then reads the fact with ToNumber — a string "4" is 4, " 4 " too, "0x10" is 16, "4abc"
// passes the validator but is NaN, [4] is 4, null and a missing path are never compared. Each case states the
// recordings it selects; the compiled SQL and json-rules-engine must both select exactly those.
import * as assert from 'uvu/assert';
import { loadCatalog } from '../../src/condition/loadCatalog.ts';
import type { Catalog, ConditionContext } from '../../src/condition/types.ts';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { engineIds, insertRecordings, loadRows, openTextTimestampPool, sqlIds } from './helpers.ts';
import { expectDatabaseError } from '../jobs/expectDatabaseError.ts';

const test = suite('condition: numeric operators on json paths');
test.after(closePools);

const pool = openTextTimestampPool();
const ctx: ConditionContext = { timezone: 'UTC', asOf: new Date('2024-06-02T12:00:00Z') };
let catalog: Catalog;
let ids: number[] = [];

// custom.p of each recording, as raw JSON (undefined: no p; null below: custom itself NULL).
const P = [
  '4', '"4"', '" 4 "', '"3"', '"10"', '"4abc"', '"0x10"', 'null', '[4]', '["4"]', '[4, 5]', 'true', '{}', '"Infinity"', '"1e400"',
  '"4.0000000000000001"', '""', '"\\u00a04"', undefined, null,
] as const;
const label = (i: number) => (P[i] === undefined ? 'missing' : P[i] === null ? 'custom NULL' : String(P[i]));

test.before(async () => {
  catalog = await loadCatalog(pool);
  ids = await insertRecordings(pool, P.map((p) => ({
    started_at: '2024-06-01T10:00:00Z',
    ...(p === null ? {} : { customText: p === undefined ? '{"q": 1}' : `{"p": ${p}}` }),
  })));
});

const CASES: Array<[string, number, string[]]> = [
  ['greaterThan', 3, ['4', '"4"', '" 4 "', '"10"', '"0x10"', '[4]', '["4"]', '"Infinity"', '"1e400"', '"4.0000000000000001"', '"\\u00a04"']],
  ['lessThanInclusive', 3, ['"3"']],
  ['lessThan', 4.000000000000001, ['4', '"4"', '" 4 "', '"3"', '[4]', '["4"]', '"4.0000000000000001"', '"\\u00a04"']],
  ['greaterThan', 4, ['"10"', '"0x10"', '"Infinity"', '"1e400"']],
  ['greaterThanInclusive', 1e308, ['"Infinity"', '"1e400"']],
  ['lessThan', -1e308, []],
];

for (const [operator, value, expected] of CASES) {
  test(`${operator} ${value}: ${expected.join(' ') || 'nothing'}`, async () => {
    const condition = { all: [{ fact: 'custom', path: '$.p', operator, value }] };
    const wanted = ids.filter((_, i) => expected.includes(label(i)));
    assert.equal(wanted.length, expected.length, 'every expected fact is in the fixture');
    assert.equal(await sqlIds(pool, condition, catalog, ctx, ids), wanted, 'SQL');
    assert.equal(await engineIds(await loadRows(pool, ids), condition, ctx), wanted, 'json-rules-engine');
  });
}

test('the value must be a number: a quoted one would compare strings character by character', async () => {
  await expectDatabaseError(
    () => pool.query('SELECT conflag.validate_condition($1)', [JSON.stringify({ all: [{ fact: 'custom', path: '$.p', operator: 'greaterThan', value: '3' }] })]),
    { code: 'CF105', includes: ['all[0].value "3"', '"greaterThan" on fact "custom" (json)', 'numbers only'] },
  );
});

test.run();
