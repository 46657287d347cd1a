// Valid edge cases are accepted: every schedule preset, the crontabs, empty groups, nested not, paths
// into custom, values at each bound; conflag.schedule_cron() maps presets; validate_condition() works alone.
import * as assert from 'uvu/assert';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { expectDatabaseError, insertJob, updateJob, validJob } from './expectDatabaseError.ts';

const test = suite('jobs: valid rows are accepted');
test.after(closePools);

const leaf = (fact: string, operator: string, value: unknown, extra: Record<string, unknown> = {}) => ({ fact, operator, value, ...extra });

test('schedule presets map to crontabs, crontabs to themselves', async () => {
  const pool = openPool();
  const expected: Record<string, string | null> = {
    manual: null,
    hourly: '0 * * * *',
    daily: '0 0 * * *',
    weekly: '0 0 * * 0',
    monthly: '0 0 1 * *',
    '*/5 * * * *': '*/5 * * * *',
    '5 * * * *': '5 * * * *',
    '15,45 * * * *': '15,45 * * * *',
    '0 8-17 * * *': '0 8-17 * * *',
    '0 8-17 * * mon-fri': '0 8-17 * * mon-fri',
    '0 0 1 JAN,jul *': '0 0 1 JAN,jul *',
    '*/15 9-17 * * 1-5': '*/15 9-17 * * 1-5',
    '0 0 * * 7': '0 0 * * 7',
    '0-59/10 * * * *': '0-59/10 * * * *',
    '5-59/15 * * * *': '5-59/15 * * * *',
    // The issue's: Sunday as 0 and 7, duplicates, overlapping items; Feb 29 (leap years only).
    '0 9 * * 0,7': '0 9 * * 0,7',
    '0,30,30 8 * * *': '0,30,30 8 * * *',
    '0 9 1-10,5 * *': '0 9 1-10,5 * *',
    '0 0 29 2 *': '0 0 29 2 *',
    '0 0 31 2 1': '0 0 31 2 1',
    '0 0 31 12 6': '0 0 31 12 6',
    '* * * * *': '* * * * *',
    ' 0  12 * * sun ': ' 0  12 * * sun ',
  };
  for (const [schedule, cron] of Object.entries(expected)) {
    const { rows } = await pool.query('SELECT conflag.schedule_cron($1) AS cron', [schedule]);
    assert.is(rows[0].cron, cron, `schedule_cron(${JSON.stringify(schedule)})`);
    const job = await insertJob(pool, validJob({ schedule }));
    assert.is(job.schedule, schedule, 'stored as written');
  }
});

test('conditions at the edges of the grammar are accepted', async () => {
  const pool = openPool();
  let deep: unknown = leaf('duration', 'greaterThan', 1);
  for (let level = 2; level <= 10; level++) deep = { not: deep };
  const conditions: unknown[] = [
    { any: [] },
    { all: [] },
    { not: { all: [] } },
    { not: { not: { any: [leaf('direction', 'equal', 'inbound')] } } },
    { all: [{ not: leaf('tags', 'contains', 'vip') }, { any: [{ all: [] }, leaf('tags', 'isEmpty', true)] }] },
    deep, // exactly 10 levels
    { any: Array.from({ length: 200 }, (_, i) => leaf('id', 'equal', i)) },
    { all: [leaf('id', 'in', Array.from({ length: 1000 }, (_, i) => i))] },
    { all: [leaf('notes', 'includes', 'ü'.repeat(1000))] },
    { all: [leaf('custom', 'equal', 'A-17', { path: '$.crm.account' })] },
    { all: [leaf('custom', 'equal', 3, { path: '$.items[0].id' }), leaf('custom', 'in', [1, 'x', true, null], { path: '$._a1[9999]' })] },
    { all: [leaf('custom', 'contains', null, { path: '$.list' }), leaf('custom', 'doesNotContain', 5), leaf('custom', 'isEmpty', false)] },
    { all: [leaf('duration', 'greaterThan', '7200'), leaf('duration', 'lessThanInclusive', '-.5e3'), leaf('duration', 'between', ['1', 2.5])] },
    { all: [leaf('duration', 'equal', null), leaf('caller_name', 'notEqual', null), leaf('direction', 'in', [null, 'inbound']), leaf('duration', 'notIn', [])] },
    { all: [leaf('started_at', 'after', '2024-01-01 00:00'), leaf('started_at', 'before', '2024-01-01T10:00:00.123456Z'), leaf('ended_at', 'onOrBefore', '2024-02-29 23:59:59+05:30')] },
    { all: [leaf('started_at', 'between', ['2024-03-31 01:00', '2024-10-27T03:00-01:00'])] },
    { all: [leaf('start_date', 'equal', '2024-02-29'), leaf('start_date', 'in', ['2024-12-24', '2024-12-25']), leaf('start_date', 'onOrAfter', '2000-01-01')] },
    { all: [leaf('start_time', 'between', ['08:00', '17:00:00']), leaf('start_time', 'before', '23:59:59')] },
    { all: [leaf('start_weekday', 'in', ['saturday', 'sunday']), leaf('caller_name', 'startsWithIgnoreCase', 'Zoë'), leaf('callee_number', 'endsWith', '')] },
    { all: [leaf('start_weekday', 'equalIgnoreCase', 'MONDAY'), leaf('start_weekday', 'endsWith', 'day'), leaf('direction', 'in', [null, 'internal']), leaf('direction', 'includesIgnoreCase', 'BOUND')] },
    { all: [leaf('custom', 'greaterThan', 3, { path: '$.crm.priority' }), leaf('custom', 'lessThanInclusive', 1e21, { path: '$.crm.priority' })] },
    { name: 'outer', any: [{ ...leaf('age_days', 'greaterThanInclusive', 30), name: 'old' }, { name: 'inner', not: { all: [] } }] },
  ];
  for (const condition of conditions) {
    await pool.query('SELECT conflag.validate_condition($1)', [JSON.stringify(condition)]);
    const job = await insertJob(pool, validJob({ condition }));
    assert.equal(job.condition, condition);
  }
});

test('other columns at their bounds are accepted', async () => {
  const pool = openPool();
  await pool.query(`INSERT INTO conflag.tenants (id, name) VALUES ('acme', 'Acme'), ('globex', 'Globex')`);
  const job = await insertJob(pool, {
    name: 'Ä'.repeat(200),
    access_scope: ['globex', 'acme'],
    mode: 'incremental',
    condition: { all: [] },
    action: 'clear',
    log_enabled: true,
    keep_history_days: 36500,
    timezone: 'America/Argentina/Buenos_Aires',
    execution_time_limit_minutes: 1435,
    keep_alive_timeout_minutes: 1,
    notify_on_completion: 'first_consecutive',
    notify_on_failure: 'every_time',
    notify_emails: " ops@example.com ,dba+conflag@mail.example.co.uk,o'brien@example.org",
    schedule: 'monthly',
    enabled: false,
  });
  assert.is(job.name.length, 200);
  assert.equal(job.access_scope, ['globex', 'acme']);
  const edges = await insertJob(pool, validJob({ name: '\u200b·\u00a0', notify_emails: `${'a'.repeat(64)}@example.com`, created_at: '2001-02-03T04:05:06Z' }));
  assert.is(edges.name, '\u200b·\u00a0', 'one visible character is enough');
  assert.equal(edges.created_at, new Date('2001-02-03T04:05:06Z'), 'a job copied from elsewhere keeps its creation time');
  const minimal = await insertJob(pool, validJob({ name: 'x', keep_history_days: 1, execution_time_limit_minutes: 1, keep_alive_timeout_minutes: 10080, timezone: 'UTC', notify_emails: '' }));
  assert.is(minimal.notify_emails, '', 'an empty address list is allowed while notifications are off');
});

test('validate_condition works on its own and raises CF errors', async () => {
  const pool = openPool();
  const before = await pool.query('SELECT count(*)::int AS n FROM conflag.jobs');
  const { rows } = await pool.query(`SELECT pg_typeof(conflag.validate_condition('{"any": []}'))::text AS type`);
  assert.is(rows[0].type, 'void', 'returns nothing for a valid condition');
  await expectDatabaseError(() => pool.query(`SELECT conflag.validate_condition($1)`, [JSON.stringify({ all: [leaf('caller', 'equal', 'x')] })]), {
    code: 'CF102',
    includes: ['all[0].fact "caller"', 'caller_name'],
  });
  await expectDatabaseError(() => pool.query(`SELECT conflag.validate_condition(NULL)`), { code: 'CF100', includes: ['jobs.condition', 'NULL'] });
  const count = await pool.query('SELECT count(*)::int AS n FROM conflag.jobs');
  assert.is(count.rows[0].n, before.rows[0].n, 'validating saves nothing');
});

test('on UPDATE only changed columns are checked: a job whose fact left the catalog can still be paused', async () => {
  const pool = openPool();
  await pool.query(`INSERT INTO conflag.attributes (name, type, expression, description) VALUES ('legacy', 'text', 'r.notes', 'test only')`);
  const job = await insertJob(pool, validJob({ condition: { all: [leaf('legacy', 'equal', 'x')] } }));
  // A fact jobs use cannot be deleted (CF425); a database from before that rule can hold such a job.
  await pool.query(`ALTER TABLE conflag.attributes DISABLE TRIGGER attributes_check_jobs`);
  await pool.query(`DELETE FROM conflag.attributes WHERE name = 'legacy'`);
  await pool.query(`ALTER TABLE conflag.attributes ENABLE TRIGGER attributes_check_jobs`);
  const paused = await updateJob(pool, job.id, { enabled: false, name: 'legacy job, paused' });
  assert.is(paused.enabled, false);
  await expectDatabaseError(() => updateJob(pool, job.id, { condition: { all: [leaf('legacy', 'equal', 'y')] } }), {
    code: 'CF102',
    includes: ['all[0].fact "legacy"'],
  });
});

test.run();
