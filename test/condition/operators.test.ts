// Every operator on real rows: the compiled SQL selects the expected recordings, and json-rules-engine
// (with conflag's operators) agrees on each.
import * as assert from 'uvu/assert';
import { loadCatalog } from '../../src/condition/loadCatalog.ts';
import type { Catalog, ConditionContext } from '../../src/condition/types.ts';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { engineIds, insertRecordings, loadRows, openTextTimestampPool, sqlIds, type NewRecording } from './helpers.ts';

const test = suite('condition: operators');
test.after(closePools);

const pool = openTextTimestampPool();
const ctx: ConditionContext = { timezone: 'America/New_York', asOf: new Date('2024-06-02T12:00:00Z') };
let catalog: Catalog;
let ids: number[] = [];

const FIXTURE: NewRecording[] = [
  // 1: 01:59:59.999999 EST, just before the spring-forward gap
  { started_at: '2024-03-10T06:59:59.999999Z', duration: 7300, direction: 'inbound', caller_name: 'İstanbul Çağrı', call_id: 'abc-123',
    tags: ['vip', 'legal'], notes: '', custom: { crm: { account: 'A-1', score: 1.0, flags: ['x', 2] } } },
  // 2: 03:00 EDT, just after it
  { started_at: '2024-03-10T07:00:00Z', duration: 0, caller_name: 'ΟΔΥΣΣΕΥΣ', call_id: 'xyz-123', tags: [], notes: 'n',
    customText: '{"crm": {"account": "b-2", "score": 1.00000000000000001}}' },
  // 3 and 4: 01:30 EDT and 01:30 EST, the two readings of the fall-back overlap
  { started_at: '2024-11-03T05:30:00Z', ended_at: null },
  { started_at: '2024-11-03T06:30:00Z', duration: -5, tags: ['a', null], custom: 'scalar-string', caller_name: 'straße' },
  { started_at: '2024-06-01T23:30:00Z', duration: 2147483647, custom: [1, 'a', null], caller_name: 'STRASSE' },
  { started_at: '2024-06-02T00:00:00.000001Z', duration: -2147483648, custom: { items: [{ id: '😀x' }], name: 'a😀b', e: '' } },
];

test.before(async () => {
  catalog = await loadCatalog(pool);
  ids = await insertRecordings(pool, FIXTURE);
});

const CASES: [string, unknown, number[]][] = [
  ['greaterThan', { fact: 'duration', operator: 'greaterThan', value: 7200 }, [1, 5]],
  ['greaterThan a numeric string', { fact: 'duration', operator: 'greaterThan', value: '7200' }, [1, 5]],
  ['lessThan', { fact: 'duration', operator: 'lessThan', value: 0 }, [4, 6]],
  ['lessThanInclusive', { fact: 'duration', operator: 'lessThanInclusive', value: 0 }, [2, 4, 6]],
  ['greaterThanInclusive', { fact: 'duration', operator: 'greaterThanInclusive', value: 2147483647 }, [5]],
  ['equal null', { fact: 'duration', operator: 'equal', value: null }, [3]],
  ['notEqual (NULL is not equal)', { fact: 'duration', operator: 'notEqual', value: 0 }, [1, 3, 4, 5, 6]],
  ['in with null', { fact: 'duration', operator: 'in', value: [0, 7300, null] }, [1, 2, 3]],
  ['notIn (NULL is not in)', { fact: 'duration', operator: 'notIn', value: [0] }, [1, 3, 4, 5, 6]],
  ['between numbers', { fact: 'duration', operator: 'between', value: [-5, 7300] }, [1, 2, 4]],
  ['isEmpty number', { fact: 'duration', operator: 'isEmpty', value: true }, [3]],
  ['contains', { fact: 'tags', operator: 'contains', value: 'vip' }, [1]],
  ['doesNotContain (NULL array is false)', { fact: 'tags', operator: 'doesNotContain', value: 'vip' }, [2, 4]],
  ['isEmpty array', { fact: 'tags', operator: 'isEmpty', value: true }, [2, 3, 5, 6]],
  ['isEmpty false array', { fact: 'tags', operator: 'isEmpty', value: false }, [1, 4]],
  ['equal text', { fact: 'call_id', operator: 'equal', value: 'abc-123' }, [1]],
  ['startsWith', { fact: 'call_id', operator: 'startsWith', value: 'xyz' }, [2]],
  ['endsWith', { fact: 'call_id', operator: 'endsWith', value: '-123' }, [1, 2]],
  ['includes', { fact: 'call_id', operator: 'includes', value: 'c-1' }, [1]],
  ['notIn text', { fact: 'direction', operator: 'notIn', value: ['inbound'] }, [2, 3, 4, 5, 6]],
  ['equalIgnoreCase ß', { fact: 'caller_name', operator: 'equalIgnoreCase', value: 'STRAßE' }, [4]],
  ['equalIgnoreCase SS', { fact: 'caller_name', operator: 'equalIgnoreCase', value: 'strasse' }, [5]],
  ['startsWithIgnoreCase İ', { fact: 'caller_name', operator: 'startsWithIgnoreCase', value: 'İST' }, [1]],
  ['endsWithIgnoreCase final sigma', { fact: 'caller_name', operator: 'endsWithIgnoreCase', value: 'ΣΕΥΣ' }, [2]],
  ['endsWithIgnoreCase medial sigma', { fact: 'caller_name', operator: 'endsWithIgnoreCase', value: 'σευσ' }, []],
  ['includesIgnoreCase', { fact: 'caller_name', operator: 'includesIgnoreCase', value: 'ÇAĞ' }, [1]],
  ['isEmpty text', { fact: 'notes', operator: 'isEmpty', value: true }, [1, 3, 4, 5, 6]],
  ['before, local time', { fact: 'started_at', operator: 'before', value: '2024-03-10 03:00' }, [1]],
  ['onOrBefore, inside the DST gap', { fact: 'started_at', operator: 'onOrBefore', value: '2024-03-10 02:30' }, [1, 2]],
  ['onOrAfter, inside the DST overlap', { fact: 'started_at', operator: 'onOrAfter', value: '2024-11-03 01:30' }, [4]],
  ['after, with an offset', { fact: 'started_at', operator: 'after', value: '2024-06-01T20:00:00-04:00' }, [3, 4, 6]],
  ['between timestamps, microseconds', { fact: 'started_at', operator: 'between', value: ['2024-03-10T06:59:59.999999Z', '2024-03-10T06:59:59.999999Z'] }, [1]],
  ['isEmpty timestamp', { fact: 'ended_at', operator: 'isEmpty', value: false }, []],
  ['start_date equal', { fact: 'start_date', operator: 'equal', value: '2024-03-10' }, [1, 2]],
  ['start_date in', { fact: 'start_date', operator: 'in', value: ['2024-06-01', '2024-11-03'] }, [3, 4, 5, 6]],
  ['start_date before', { fact: 'start_date', operator: 'before', value: '2024-06-01' }, [1, 2]],
  ['start_time between', { fact: 'start_time', operator: 'between', value: ['01:00', '02:00'] }, [1, 3, 4]],
  ['start_time onOrAfter', { fact: 'start_time', operator: 'onOrAfter', value: '20:00:00' }, [6]],
  ['start_weekday', { fact: 'start_weekday', operator: 'equal', value: 'sunday' }, [1, 2, 3, 4]],
  ['age_minutes (future recordings are negative)', { fact: 'age_minutes', operator: 'lessThan', value: 0 }, [3, 4]],
  ['age_days', { fact: 'age_days', operator: 'between', value: [84, 84] }, [1, 2]],
  ['json path equal', { fact: 'custom', path: '$.crm.account', operator: 'equal', value: 'A-1' }, [1]],
  ['json number equal as doubles', { fact: 'custom', path: '$.crm.score', operator: 'equal', value: 1 }, [1, 2]],
  ['json contains number', { fact: 'custom', path: '$.crm.flags', operator: 'contains', value: 2 }, [1]],
  ['json doesNotContain', { fact: 'custom', path: '$.crm.flags', operator: 'doesNotContain', value: 'y' }, [1]],
  ['json path on a scalar returns the scalar', { fact: 'custom', path: '$.anything', operator: 'equal', value: 'scalar-string' }, [4]],
  ['json path on NULL custom is null', { fact: 'custom', path: '$.x', operator: 'equal', value: null }, [3]],
  ['json .length of a string counts UTF-16', { fact: 'custom', path: '$.name.length', operator: 'equal', value: 4 }, [6]],
  ['json top-level array', { fact: 'custom', path: '$[1]', operator: 'equal', value: 'a' }, [5]],
  ['json .length of an array', { fact: 'custom', path: '$.length', operator: 'equal', value: 3 }, [5]],
  ['json string index', { fact: 'custom', path: '$.name[0]', operator: 'in', value: ['a', 'b'] }, [6]],
  ['json .length of "" is missing (jsonpath-plus skips falsy values)', { fact: 'custom', path: '$.e.length', operator: 'isEmpty', value: false }, [4]],
  ['json index past the end of a string (also of "")', { fact: 'custom', path: '$.e[0]', operator: 'isEmpty', value: true }, [1, 2, 3, 5, 6]],
  ['json index into a surrogate pair: half a character, not empty, equal to nothing', { fact: 'custom', path: '$.name[1]', operator: 'isEmpty', value: false }, [4, 6]],
  ['json isEmpty (missing, null)', { fact: 'custom', path: '$.crm', operator: 'isEmpty', value: true }, [3, 5, 6]],
  ['json notEqual on missing', { fact: 'custom', path: '$.crm.account', operator: 'notEqual', value: 'A-1' }, [2, 3, 4, 5, 6]],
];

for (const [name, leaf, expected] of CASES) {
  test(name, async () => {
    const condition = { all: [leaf] };
    const wanted = expected.map((i) => ids[i - 1]);
    assert.equal(await sqlIds(pool, condition, catalog, ctx, ids), wanted, 'SQL');
    assert.equal(await engineIds(await loadRows(pool, ids), condition, ctx), wanted, 'json-rules-engine');
  });
}

test('groups: any [] and all [] are true, not of them false', async () => {
  for (const [condition, expected] of [
    [{ any: [] }, ids],
    [{ all: [] }, ids],
    [{ not: { any: [] } }, []],
    [{ not: { all: [{ fact: 'duration', operator: 'isEmpty', value: true }] } }, ids.filter((_, i) => i !== 2)],
  ] as [unknown, number[]][]) {
    assert.equal(await sqlIds(pool, condition, catalog, ctx, ids), expected, JSON.stringify(condition));
    assert.equal(await engineIds(await loadRows(pool, ids), condition, ctx), expected, JSON.stringify(condition));
  }
});

test.run();
