// Attributes are the DBA's: a fact is a row of conflag.attributes for one recordings table, checked by the database
// when it is written — one expression (CF422), reading only the row's own columns with nothing PostgreSQL cannot
// vouch for (CF424), of a result type that fits (CF423) — and kept while jobs use it (CF425). Conditions see the
// facts of the mapped table only.
import * as assert from 'uvu/assert';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { expectDatabaseError } from '../jobs/expectDatabaseError.ts';
import { insertJob } from '../run/fixtures.ts';
import { confidentialCalls, createPlatformTable, insertCalls, mapConflagRecordings, mapPlatformTable, type PlatformTable } from './platformTable.ts';

const test = suite('source: attributes');
test.after(closePools);
const pool = openPool();
let calls: PlatformTable;

test.before(async () => {
  calls = await createPlatformTable(pool);
  await pool.query(`CREATE TABLE platform.secrets (id int, code text)`);
  await pool.query(`CREATE FUNCTION platform.peek(x text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT code FROM platform.secrets LIMIT 1 $$`);
  await pool.query(`CREATE DOMAIN platform.queue_name AS text`);
  await pool.query(`ALTER TABLE platform.calls ADD COLUMN queue_domain platform.queue_name, ADD COLUMN began_local timestamp, ADD COLUMN extra json`);
});

function fact(name: string, type: string, expression: string, table = 'calls') {
  return pool.query(`INSERT INTO conflag.attributes (table_schema, table_name, name, type, expression, description) VALUES ('platform', $1, $2, $3, $4, 'test')`,
    [table, name, type, expression]);
}

test('an expression is refused unless PostgreSQL proves it reads only the row, is one expression, and fits its type', async () => {
  const cases: Array<[string, string, string, string[]]> = [
    ['text', 'r.queue); DELETE FROM conflag.jobs; SELECT (1', 'CF422', ['not one SQL expression: the ) at character 8 closes nothing']],
    ['text', 'r.queue || \'x\'; SELECT 1', 'CF422', ['has a semicolon']],
    ['text', 'r.queue -- comment', 'CF422', ['has a comment']],
    ['text', '$$x$$ || r.queue', 'CF422', ['has a $']],
    ['text', "E'\\x41' || r.queue", 'CF422', ['has an E\'...\' string']],
    ['text', '(r.queue', 'CF422', ['not balanced']],
    ['text', "r.queue || '(", 'CF422', ['a string is not closed']],
    ['date', '(r.began_at AT TIME ZONE {zone})::date', 'CF422', ['a { at character 26 that is not {tz} or {as_of}']],
    ['text', 'r.nope', 'CF422', ['column r.nope does not exist']],
    ['text', 'r.queue ||| r.agent_id', 'CF422', ['operator does not exist']],
    ['number', '(SELECT count(*) FROM platform.secrets)', 'CF424', ['it reads platform.secrets, another relation']],
    ['text', "'platform.secrets'::regclass::text || r.queue", 'CF424', ['it reads platform.secrets, another relation']],
    ['text', 'platform.peek(r.queue)', 'CF424', ['calls platform.peek(text), which is not one of PostgreSQL\'s own functions']],
    ['text', 'r::text', 'CF424', ['reads the whole row (r or r.*)']],
    ['number', 'r.ctid::text::point[0]', 'CF424', ['reads a system column']],
    ['text', "'constant'", 'CF424', ['reads no column of the recording']],
    ['text', "to_char(r.began_at, 'YYYY')", 'CF424', ['it calls to_char(timestamp with time zone,text) (STABLE), which is not IMMUTABLE']],
    ['date', 'r.began_at::date', 'CF424', ['it calls date(timestamp with time zone) (STABLE), which is not IMMUTABLE']],
    ['text', 'r.began_at::text', 'CF424', ['PostgreSQL cannot prove that it reads only the row with no side effects: functions in index expression must be marked IMMUTABLE']],
    ['number', 'random() * r.length_seconds', 'CF424', ['it calls random() (VOLATILE)']],
    ['number', 'sum(r.length_seconds)', 'CF424', ['aggregate functions are not allowed']],
    ['number', 'count(*) OVER () + r.length_seconds', 'CF424', ['window functions are not allowed']],
    ['text', 'unnest(ARRAY[r.queue])', 'CF424', ['set-returning functions are not allowed']],
    ['number', '(SELECT r.length_seconds)', 'CF424', ['cannot use subquery']],
    ['number', 'r.queue', 'CF423', ['its result is text, but a number attribute needs smallint, integer, bigint, numeric, real, double precision']],
    ['number', 'r.mentions_card', 'CF423', ['its result is boolean', "use a number, (r.x)::int (1 = true)"]],
    ['timestamp', 'r.began_local', 'CF423', ['its result is timestamp without time zone', "(r.x AT TIME ZONE 'UTC')"]],
    ['json', 'r.extra', 'CF423', ['its result is json', '(r.x)::jsonb']],
    ['text_array', 'ARRAY[r.queue::varchar]', 'CF423', ['its result is character varying[], but a text_array attribute needs text[]']],
  ];
  for (const [type, expression, code, includes] of cases) {
    await expectDatabaseError(() => fact('probe', type, expression), { code, includes: [`attributes.expression ${JSON.stringify(expression)} of "probe" (${type}, platform.calls)`, ...includes] }, expression);
  }
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM conflag.attributes WHERE name = 'probe'`);
  assert.is(rows[0].n, 0);
  const temp = await pool.query(`SELECT count(*)::int AS n FROM pg_class WHERE relname IN ('r', 'conflag_attribute_probe') AND relpersistence = 't'`);
  assert.is(temp.rows[0].n, 0, 'the probe leaves nothing behind');
});

test('accepted: columns, domains, and expressions of IMMUTABLE built-ins; the built-in facts pass the same check', async () => {
  const accepted: Array<[string, string, string]> = [
    ['queue_name', 'text', 'r.queue_domain'],
    ['full_agent', 'text', "r.queue || '/' || r.agent_id"],
    ['long_call', 'number', 'CASE WHEN r.length_seconds > 7200 THEN 1 ELSE 0 END'],
    ['began_local_date', 'date', "(r.began_local AT TIME ZONE 'UTC' AT TIME ZONE {tz})::date"],
    ['card_pattern', 'number', "(r.agent_id ~ '^a-[0-9]{2}$')::int"],
    ['extra', 'json', 'r.extra::jsonb'],
    ['words', 'text_array', "string_to_array(r.queue, ' ')"],
    ['began_utc_hour', 'time', "date_trunc('hour', r.began_at AT TIME ZONE 'UTC')::time"],
    ['age_minutes', 'number', 'floor(extract(epoch FROM ({as_of} - r.began_at)) / 60)'],
  ];
  for (const [name, type, expression] of accepted) {
    try {
      await fact(name, type, expression);
    } catch (error) {
      assert.unreachable(`${expression}: ${(error as Error).message}`);
    }
  }
  const builtIns = await pool.query<{ name: string; type: string; expression: string }>(
    `SELECT name, type, expression FROM conflag.attributes WHERE (table_schema, table_name) = ('conflag', 'recordings') ORDER BY name`);
  assert.is(builtIns.rows.length, 21);
  for (const a of builtIns.rows) {
    await pool.query(`SELECT conflag.check_attribute_expression('conflag.recordings', $1, $2, $3)`, [a.name, a.type, a.expression])
      .catch((error: Error) => assert.unreachable(`built-in ${a.name}: ${error.message}`));
  }
});

test('name, type, description and table are checked; a row without a table is the mapped one\'s', async () => {
  const insert = (name: unknown, type: unknown, description: unknown, schema: string | null = 'platform', table: string | null = 'calls') =>
    pool.query(`INSERT INTO conflag.attributes (table_schema, table_name, name, type, expression, description) VALUES ($1, $2, $3, $4, 'r.queue', $5)`,
      [schema, table, name, type, description]);
  await expectDatabaseError(() => insert('Queue', 'text', 'x'), { code: 'CF420', includes: ['attributes.name: "Queue" is not a fact name'] });
  await expectDatabaseError(() => insert('queue2', 'boolean', 'x'), { code: 'CF420', includes: ['attributes.type: "boolean" is not an attribute type'] });
  await expectDatabaseError(() => insert('queue2', 'text', '  '), { code: 'CF420', includes: ['attributes.description of "queue2"'] });
  await expectDatabaseError(() => insert('queue2', 'text', 'x', 'platform', 'nope'), { code: 'CF421', includes: ['the table platform.nope of "queue2" does not exist'] });
  await expectDatabaseError(() => insert('queue2', 'text', 'x', 'platform', null), { code: 'CF421', includes: ['must both name the recordings table'] });
  await expectDatabaseError(() => insert('queue2', 'text', 'x', null, null), { code: 'CF422', includes: ['(text, conflag.recordings)', 'column r.queue does not exist'] });
  await mapPlatformTable(pool, calls);
  await insert('queue2', 'text', 'Queue again.', null, null);
  const { rows } = await pool.query(`SELECT table_schema, table_name FROM conflag.attributes WHERE name = 'queue2'`);
  assert.equal(rows, [{ table_schema: 'platform', table_name: 'calls' }]);
  await pool.query(`DELETE FROM conflag.attributes WHERE name = 'queue2'`);
  await mapConflagRecordings(pool);
});

test('conditions see the mapped table\'s facts; a fact jobs use cannot be deleted, renamed or retyped (CF425)', async () => {
  // While conflag.recordings is mapped, the platform's facts are not conditions' facts.
  await expectDatabaseError(() => pool.query(`SELECT conflag.validate_condition('{"all": [{"fact": "card_mentioned", "operator": "equal", "value": 1}]}')`),
    { code: 'CF102', includes: ['all[0].fact "card_mentioned" is not a known attribute'] });
  await mapPlatformTable(pool, calls);
  const job = await insertJob(pool, { name: 'cards', condition: { all: [{ fact: 'card_mentioned', operator: 'equal', value: 1 }, { fact: 'queue_name', operator: 'equal', value: 'vip' }] } });
  await expectDatabaseError(() => pool.query(`DELETE FROM conflag.attributes WHERE table_name = 'calls' AND name = 'card_mentioned'`), {
    code: 'CF425', includes: [`attributes: "card_mentioned" cannot be deleted while jobs use it: job ${job} "cards"`],
  });
  await expectDatabaseError(() => pool.query(`UPDATE conflag.attributes SET name = 'card' WHERE table_name = 'calls' AND name = 'card_mentioned'`), {
    code: 'CF425', includes: ['"card_mentioned" cannot be renamed'],
  });
  await expectDatabaseError(() => pool.query(`UPDATE conflag.attributes SET type = 'text', expression = 'r.mentions_card::int::text' WHERE table_name = 'calls' AND name = 'card_mentioned'`), {
    code: 'CF425', includes: ['"card_mentioned" cannot be given another type'],
  });
  await expectDatabaseError(() => pool.query(`TRUNCATE conflag.attributes`), { code: 'CF425', includes: ['cannot be truncated while jobs exist'] });
  // The fact's meaning is the DBA's to change: the job then selects by the new expression.
  await pool.query(`UPDATE conflag.attributes SET expression = 'CASE WHEN r.mentions_card OR r.agent_id = ''a-00'' THEN 1 ELSE 0 END'
                     WHERE table_name = 'calls' AND name = 'card_mentioned'`);
  const uuids = await insertCalls(pool, calls, [{ agent_id: 'a-00' }, { agent_id: 'a-01' }]);
  await pool.query(`UPDATE platform.calls SET queue_domain = 'vip'`);
  const run = await executeRun(pool, job, { trigger: 'manual' });
  assert.equal({ status: run.status, changed: run.changed }, { status: 'succeeded', changed: 1 }, run.error);
  assert.equal(await confidentialCalls(pool, calls), [uuids[0]]);
  // Facts of tables that are not mapped are checked when their table is mapped, not now.
  await pool.query(`DELETE FROM conflag.attributes WHERE table_name = 'recordings' AND name = 'call_id'`);
  await expectDatabaseError(() => mapConflagRecordings(pool), { code: 'CF409', includes: ['"card_mentioned" is not a known attribute'] });
  await pool.query(`DELETE FROM conflag.jobs`);
  await mapConflagRecordings(pool);
});

test.run();
