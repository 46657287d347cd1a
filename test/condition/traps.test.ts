// The traps between SQL and json-rules-engine, one named test each: the compiled SQL text and parameters are
// asserted, then the statement runs on real rows and must select what json-rules-engine selects.
import * as assert from 'uvu/assert';
import { compileCondition } from '../../src/condition/compileCondition.ts';
import { conditionEvaluator } from '../../src/condition/createEngine.ts';
import { loadCatalog } from '../../src/condition/loadCatalog.ts';
import { recordingsOfJob } from '../../src/condition/recordingsOfJob.ts';
import type { Catalog, ConditionContext } from '../../src/condition/types.ts';
import { sql } from 'kysely';
import { compileSql } from '../../src/db/kysely.ts';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { engineIds, insertRecordings, loadRows, openTextTimestampPool, sqlIds, type NewRecording } from './helpers.ts';

const test = suite('condition: traps');
test.after(closePools);
const pool = openTextTimestampPool();
const ctx: ConditionContext = { timezone: 'America/New_York', asOf: new Date('2024-06-01T12:00:00Z') };
let catalog: Catalog;
let ids: number[];

const ROWS: NewRecording[] = [
  { started_at: '2024-03-10T06:30:00Z', duration: null, tags: null, direction: null, caller_name: null },
  { started_at: '2024-03-10T07:30:00Z', duration: 5, tags: [], direction: 'inbound', caller_name: 'İSTANBUL', customText: '{"n": 1.0, "o": {"a": 1}}' },
  { started_at: '2024-05-31T23:59:59.999999Z', duration: 7200, tags: ['vip'], direction: 'outbound', caller_name: 'STRASSE', customText: '{"n": 1.00000000000000001, "o": [1]}' },
  { started_at: '2024-06-01T04:00:00Z', duration: -1, tags: ['a', 'b'], caller_name: 'ΟΔΥΣΣΕΥΣ', customText: '{"n": 1e400}' },
];

test.before(async () => {
  catalog = await loadCatalog(pool);
  ids = await insertRecordings(pool, ROWS);
  // A two-dimensional text[] (the column type allows it): not an array of strings for JavaScript either.
  await pool.query(`INSERT INTO conflag.recordings (tenant_id, started_at, tags) VALUES ('default', '2024-01-01T00:00:00Z', '{{a,b},{c,d}}')`);
  ids.push(Number((await pool.query(`SELECT max(id) AS id FROM conflag.recordings`)).rows[0].id));
});

const predicate = (condition: unknown, c = ctx) => compileSql(compileCondition(condition, catalog, c));
const row = (n: number) => ids[n - 1];

/** The compiled statement selects the expected recordings and json-rules-engine agrees. */
async function selects(condition: unknown, expected: number[], c = ctx) {
  const wanted = expected.map(row);
  assert.equal(await sqlIds(pool, condition, catalog, c, ids), wanted, `SQL for ${JSON.stringify(condition)}`);
  assert.equal(await engineIds(await loadRows(pool, ids), condition, c), wanted, `json-rules-engine for ${JSON.stringify(condition)}`);
}

test('NOT over a comparison with NULL is true (SQL alone would say NULL)', async () => {
  const condition = { not: { fact: 'duration', operator: 'greaterThan', value: 10 } };
  assert.equal(predicate(condition), { sql: '(NOT (r.duration IS NOT NULL AND r.duration > $1::bigint))', parameters: ['10'] });
  await selects(condition, [1, 2, 4, 5]);
});

test('notEqual and notIn are true for NULL, as in JavaScript', async () => {
  assert.equal(predicate({ all: [{ fact: 'direction', operator: 'notEqual', value: 'inbound' }] }), {
    sql: '(NOT (r.direction IS NOT NULL AND r.direction = $1::text))',
    parameters: ['inbound'],
  });
  await selects({ all: [{ fact: 'direction', operator: 'notEqual', value: 'inbound' }] }, [1, 3, 4, 5]);
  await selects({ all: [{ fact: 'direction', operator: 'notIn', value: ['inbound', 'outbound'] }] }, [1, 4, 5]);
  await selects({ all: [{ fact: 'direction', operator: 'notIn', value: ['inbound', null] }] }, [3]);
});

test('any: [] and all: [] are true (kysely eb.or([]) would be false)', async () => {
  assert.equal(predicate({ any: [] }), { sql: 'true', parameters: [] });
  assert.equal(predicate({ all: [] }), { sql: 'true', parameters: [] });
  assert.equal(predicate({ not: { any: [] } }), { sql: 'false', parameters: [] });
  await selects({ any: [] }, [1, 2, 3, 4, 5]);
  await selects({ all: [{ any: [] }, { not: { all: [] } }] }, []);
});

test('numeric operators given numeric strings coerce like JavaScript', async () => {
  assert.equal(predicate({ all: [{ fact: 'duration', operator: 'greaterThanInclusive', value: '7200' }] }).parameters, ['7200']);
  assert.equal(predicate({ all: [{ fact: 'duration', operator: 'lessThan', value: '.5' }] }).parameters, ['0.5']);
  // "1e400" is Infinity in JavaScript; numeric 'Infinity' compares the same way.
  assert.equal(predicate({ all: [{ fact: 'duration', operator: 'lessThan', value: '1e400' }] }).parameters, ['Infinity']);
  await selects({ all: [{ fact: 'duration', operator: 'greaterThanInclusive', value: '7200' }] }, [3]);
  await selects({ all: [{ fact: 'duration', operator: 'lessThan', value: '1e400' }] }, [2, 3, 4]);
  await selects({ all: [{ fact: 'duration', operator: 'between', value: ['-1', 5] }] }, [2, 4]);
});

test('contains / doesNotContain on a NULL array are both false', async () => {
  assert.equal(predicate({ all: [{ fact: 'tags', operator: 'doesNotContain', value: 'vip' }] }), {
    sql: '(r.tags IS NOT NULL AND NOT CASE WHEN array_ndims(r.tags) = 1 THEN array_position(r.tags, $1::text) IS NOT NULL ELSE false END)',
    parameters: ['vip'],
  });
  await selects({ all: [{ fact: 'tags', operator: 'contains', value: 'vip' }] }, [3]);
  // Row 1 (NULL) is in neither; row 5 (two-dimensional) holds no string at its top level.
  await selects({ all: [{ fact: 'tags', operator: 'doesNotContain', value: 'vip' }] }, [2, 4, 5]);
  await selects({ all: [{ fact: 'tags', operator: 'contains', value: 'a' }] }, [4]);
});

test('no ordering operators on text: JavaScript compares UTF-16 code units, SQL collations do not', () => {
  assert.throws(
    () => compileCondition({ all: [{ fact: 'caller_name', operator: 'lessThan', value: 'M' }] }, catalog, ctx),
    (e: Error & { code?: string }) => e.code === 'CF104' && /operators for text: .*startsWith/.test(e.message) && !/lessThan,/.test(e.message.split('operators for text:')[1]),
  );
});

test('case-insensitive operators lower-case like JavaScript (ICU root collation)', async () => {
  assert.ok(catalog.icu, 'the test database has ICU (embedded PostgreSQL 17 does)');
  assert.equal(predicate({ all: [{ fact: 'caller_name', operator: 'equalIgnoreCase', value: 'İstanbul' }] }), {
    sql: '(r.caller_name IS NOT NULL AND lower((r.caller_name) COLLATE "und-x-icu") = $1::text)',
    parameters: ['i̇stanbul'],
  });
  await selects({ all: [{ fact: 'caller_name', operator: 'equalIgnoreCase', value: 'İstanbul' }] }, [2]);
  await selects({ all: [{ fact: 'caller_name', operator: 'equalIgnoreCase', value: 'istanbul' }] }, []);
  await selects({ all: [{ fact: 'caller_name', operator: 'equalIgnoreCase', value: 'straße' }] }, []);
  await selects({ all: [{ fact: 'caller_name', operator: 'endsWithIgnoreCase', value: 'ΣΕΥΣ' }] }, [4]);
});

test('time: a value without offset is in the job timezone, read by PostgreSQL; a value with one is an instant', async () => {
  // 02:30 does not exist in New York on 2024-03-10: PostgreSQL's rule reads it with the offset before the gap.
  const gap = { all: [{ fact: 'started_at', operator: 'before', value: '2024-03-10 02:30' }] };
  assert.equal(predicate(gap), { sql: 'r.started_at < ($1::timestamp AT TIME ZONE $2::text)', parameters: ['2024-03-10 02:30:00', 'America/New_York'] });
  await selects(gap, [1, 5]);
  const berlin = { timezone: 'Europe/Berlin', asOf: ctx.asOf };
  assert.equal(predicate(gap, berlin).parameters, ['2024-03-10 02:30:00', 'Europe/Berlin']);
  await selects(gap, [5], berlin);
  // Any zone PostgreSQL can use works, also a POSIX zone spec (a server TimeZone) Node's Intl cannot read.
  assert.throws(() => new Intl.DateTimeFormat('en', { timeZone: '<+01>-01' }));
  const compiled = compileSql(sql`SELECT r.id FROM conflag.recordings r WHERE ${compileCondition(gap, catalog, { timezone: '<+01>-01', asOf: ctx.asOf })} ORDER BY r.id`);
  assert.equal((await pool.query(compiled.sql, compiled.parameters)).rows.map((r) => Number(r.id)), [ids[4]]);
  const instant = { all: [{ fact: 'started_at', operator: 'before', value: '2024-03-10T02:30-05:00' }] };
  assert.equal(predicate(instant), { sql: 'r.started_at < $1::timestamptz', parameters: ['2024-03-10 07:30:00+00'] });
});

test('time: time of day and day of week are taken in the job timezone', async () => {
  const late = { all: [{ fact: 'start_time', operator: 'onOrAfter', value: '19:00' }] };
  assert.equal(predicate(late), {
    sql: 'COALESCE((r.started_at AT TIME ZONE $1::text)::time >= $2::time, false)',
    parameters: ['America/New_York', '19:00:00'],
  });
  await selects(late, [3, 5]);
  await selects(late, [3], { timezone: 'UTC', asOf: ctx.asOf });
  await selects({ all: [{ fact: 'start_weekday', operator: 'equal', value: 'friday' }] }, [3]);
  await selects({ all: [{ fact: 'start_weekday', operator: 'equal', value: 'saturday' }] }, [3, 4], { timezone: 'Asia/Tokyo', asOf: ctx.asOf });
});

test("time: ages are measured to the run's fixed as_of, never now()", async () => {
  const condition = { all: [{ fact: 'age_days', operator: 'lessThan', value: 1 }] };
  const compiled = predicate(condition);
  assert.equal(compiled, {
    sql: 'COALESCE(floor(extract(epoch FROM ($1::timestamptz - r.started_at)) / 86400) < $2::bigint, false)',
    parameters: ['2024-06-01T12:00:00.000Z', '1'],
  });
  assert.not.match(compiled.sql, /now\(\)|current_timestamp/i);
  await selects(condition, [3, 4]);
  await selects(condition, [], { timezone: ctx.timezone, asOf: new Date('2024-06-02T04:00:00Z') });
});

test('json: equal with an object or array value is never true in JavaScript, so it is refused', async () => {
  const evaluator = conditionEvaluator({ all: [{ fact: 'custom', path: '$.o', operator: 'equal', value: { a: 1 } }] }, ctx);
  assert.is(await evaluator.matches({ custom: { o: { a: 1 } } }), false, '=== compares object identity');
  assert.throws(
    () => compileCondition({ all: [{ fact: 'custom', path: '$.o', operator: 'equal', value: [1] }] }, catalog, ctx),
    (e: Error & { code?: string }) => e.code === 'CF105' && /not an object or array/.test(e.message),
  );
});

test('json: numbers compare as JavaScript doubles (1.0, 1.00000000000000001 and 1 are equal; 1e400 is Infinity)', async () => {
  const one = { all: [{ fact: 'custom', path: '$.n', operator: 'equal', value: 1 }] };
  const compiled = predicate(one);
  assert.match(compiled.sql, /THEN \(.*\)::numeric <@ \$\d+::numrange ELSE false END/);
  // The interval of decimals that round to the double 1 (both ends included: 1's mantissa is even).
  assert.ok(
    compiled.parameters.includes('[0.999999999999999944488848768742172978818416595458984375,1.00000000000000011102230246251565404236316680908203125]'),
    JSON.stringify(compiled.parameters),
  );
  await selects(one, [2, 3]);
  await selects({ all: [{ fact: 'custom', path: '$.n', operator: 'notIn', value: [1] }] }, [1, 4, 5]);
  // A condition stored with 1e400 reaches JavaScript as Infinity, and so does the recording's 1e400.
  await selects({ all: [{ fact: 'custom', path: '$.n', operator: 'equal', value: Infinity }] }, [4]);
});

test('json: a number exactly halfway between two doubles goes to the even one, as JSON.parse does', async () => {
  const halfway = await insertRecordings(pool, [
    { started_at: '2024-01-01T00:00:00Z', customText: '{"n": 1.00000000000000011102230246251565404236316680908203125}' }, // 1 + 2^-53
    { started_at: '2024-01-01T00:00:00Z', customText: '{"n": 1.00000000000000033306690738754696212708950042724609375}' }, // 1 + 3 * 2^-53
  ]);
  const rows = await loadRows(pool, halfway);
  for (const [value, expected] of [[1, [halfway[0]]], [1.0000000000000002, []], [1.0000000000000004, [halfway[1]]]] as [number, number[]][]) {
    const condition = { all: [{ fact: 'custom', path: '$.n', operator: 'equal', value }] };
    assert.equal(await sqlIds(pool, condition, catalog, ctx, halfway), expected, `SQL, equal ${value}`);
    assert.equal(await engineIds(rows, condition, ctx), expected, `json-rules-engine, equal ${value}`);
  }
});

test('scope: recordingsOfJob limits to the access scope, NULL scope = every tenant', () => {
  const condition = { all: [{ fact: 'duration', operator: 'greaterThan', value: 1 }] };
  assert.equal(compileSql(recordingsOfJob({ access_scope: ['a', 'b'], condition }, catalog, ctx)), {
    sql: '(r.tenant_id = ANY($1::text[]) AND (r.duration IS NOT NULL AND r.duration > $2::bigint))',
    parameters: [['a', 'b'], '1'],
  });
  assert.equal(compileSql(recordingsOfJob({ access_scope: null, condition }, catalog, ctx)).sql, '(r.duration IS NOT NULL AND r.duration > $1::bigint)');
});

test.run();
