// `conflag explain` and `conflag preview` through the CLI entry point (main) against the test database.
import * as assert from 'uvu/assert';
import pg from 'pg';
import { cli } from '../lib/runCli.ts';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { insertRecordings } from './helpers.ts';

const test = suite('condition: explain and preview commands');
test.after(closePools);
const pool = openPool();

let ids: number[] = [];
const LONG = { all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }, { fact: 'start_time', operator: 'before', value: '12:00' }] };

test.before(async () => {
  await pool.query(`INSERT INTO conflag.tenants (id, name) VALUES ('acme', 'Acme'), ('globex', 'Globex')`);
  ids = await insertRecordings(pool, [
    { tenant_id: 'acme', started_at: '2024-06-01T08:00:00Z', duration: 9000, call_id: 'a1' }, // 10:00 in Berlin
    { tenant_id: 'acme', started_at: '2024-06-01T11:00:00Z', duration: 9000, call_id: 'a2' }, // 13:00 in Berlin
    { tenant_id: 'globex', started_at: '2024-06-01T08:00:00Z', duration: 9000, call_id: 'g1' },
    { tenant_id: 'acme', started_at: '2024-06-01T08:00:00Z', duration: 60, call_id: 'a3' },
    { tenant_id: 'acme', started_at: '2024-06-01T07:00:00Z', duration: 7201, call_id: 'a4' },
  ]);
  await pool.query(`UPDATE conflag.recordings SET confidential = true WHERE id = $1`, [ids[4]]);
  await pool.query(
    `INSERT INTO conflag.jobs (name, access_scope, condition, action, timezone) VALUES ('Long morning calls', '{acme}', $1, 'set', 'Europe/Berlin')`,
    [JSON.stringify(LONG)],
  );
});

test('explain prints the predicate, the statement shape and the parameters', async () => {
  const { code, out } = await cli('explain', 'long MORNING calls', '--as-of', '2024-06-02T00:00:00Z');
  assert.is(code, 0);
  assert.match(out, 'Job 1 "Long morning calls": set confidential, full mode, scope acme');
  assert.match(out, 'Timezone Europe/Berlin; as of 2024-06-02T00:00:00.000Z');
  assert.match(out, '    r.tenant_id = ANY($1::text[])\n');
  assert.match(out, '    AND (r.duration IS NOT NULL AND r.duration > $2::bigint)\n');
  assert.match(out, '    AND COALESCE((r.started_at AT TIME ZONE $3::text)::time < $4::time, false)\n');
  assert.match(out, 'SELECT r.id FROM conflag.recordings r WHERE <predicate>');
  assert.match(out, "Parameters:\n  $1 = {\"acme\"}\n  $2 = '7200'\n  $3 = 'Europe/Berlin'\n  $4 = '12:00:00'\n");
});

test('explain --json: the statement runs as printed and selects the job\'s recordings', async () => {
  const { code, out } = await cli('explain', '1', '--json');
  assert.is(code, 0);
  const explained = JSON.parse(out) as { statement: string; parameters: unknown[]; timezone: string };
  assert.is(explained.timezone, 'Europe/Berlin');
  const { rows } = await pool.query<{ id: string }>(explained.statement + ' ORDER BY r.id', explained.parameters);
  assert.equal(rows.map((r) => Number(r.id)), [ids[0], ids[4]]);
});

test('explain only re-indents: the printed predicate is the compiled one, whitespace aside', async () => {
  const condition = {
    any: [
      { not: { all: [{ fact: 'custom', path: '$.a[0].length', operator: 'in', value: ['x', 1, null, true, "it's (a) test AND OR"] }, { fact: 'caller_name', operator: 'includesIgnoreCase', value: ' AND ' }] } },
      { fact: 'tags', operator: 'doesNotContain', value: 'x' },
      { all: [{ fact: 'start_weekday', operator: 'in', value: ['monday', 'friday'] }, { fact: 'age_minutes', operator: 'between', value: [5, '60'] }] },
    ],
  };
  await pool.query(`INSERT INTO conflag.jobs (name, condition, action) VALUES ('Complex', $1, 'clear')`, [JSON.stringify(condition)]);
  const text = (await cli('explain', 'complex', '--as-of', '2024-06-02T00:00:00Z')).out;
  const json = JSON.parse((await cli('explain', 'complex', '--as-of', '2024-06-02T00:00:00Z', '--json')).out);
  const printed = text.split('Predicate over r (conflag.recordings), scope included:\n')[1].split('\n\nStatement shape')[0];
  assert.ok(printed.split('\n').length > 5, printed);
  assert.is(printed.replace(/\s+/g, ''), json.predicate.replace(/\s+/g, ''));
  assert.match(printed, `'{"conflag:lone_surrogate": true}'::jsonb`, 'string literals stay whole');
  assert.match(printed, /\n\s+OR \(\n/, 'one operand per line');
});

test('explain: unknown job and missing argument', async () => {
  const missing = await cli('explain', 'no such job');
  assert.is(missing.code, 1);
  assert.match(missing.err, 'job "no such job" does not exist');
  assert.is((await cli('explain')).code, 2);
});

async function snapshot(): Promise<string> {
  const { rows } = await pool.query(`SELECT
      (SELECT md5(string_agg(r::text, ',' ORDER BY r.id)) FROM conflag.recordings r) AS recordings,
      (SELECT md5(string_agg(j::text, ',' ORDER BY j.id)) FROM conflag.jobs j) AS jobs,
      (SELECT count(*) FROM conflag.job_changes) AS job_changes,
      (SELECT count(*) FROM conflag.job_runs) AS job_runs,
      (SELECT count(*) FROM conflag.run_requests) AS run_requests,
      (SELECT count(*) FROM conflag.job_processed_recordings) AS processed`);
  return JSON.stringify(rows[0]);
}

test('preview <job>: counts, would-change and examples; writes nothing', async () => {
  const before = await snapshot();
  const { code, out } = await cli('preview', 'Long morning calls', '--as-of', '2024-06-02T00:00:00Z');
  assert.is(code, 0);
  assert.match(out, 'Job 1 "Long morning calls" (full mode) — preview, nothing is written');
  assert.match(out, '  matching recordings: 2\n');
  assert.match(out, '  would change: 1 (confidential is not yet true)\n');
  // Changes first: a1 (not yet confidential), then a4 (already confidential); each with the facts the condition reads.
  assert.match(out, /key\s+tenant\s+duration\s+start_time\s+confidential\s+would change\n/);
  assert.match(out, new RegExp(`\\[${ids[0]}\\]\\s+acme\\s+9000\\s+10:00:00\\s+false\\s+yes\\n\\s+\\[${ids[4]}\\]\\s+acme\\s+7201\\s+09:00:00\\s+true\\s+no\\n`));
  assert.is(await snapshot(), before);
});

test('preview of an incremental job leaves out what it already processed', async () => {
  await pool.query(`UPDATE conflag.jobs SET mode = 'incremental' WHERE id = 1`);
  await pool.query(`INSERT INTO conflag.job_processed_recordings (job_id, recording_key, run_id) VALUES (1, jsonb_build_array($1::bigint), 0)`, [ids[0]]);
  try {
    const { code, out } = await cli('preview', '1', '--json');
    assert.is(code, 0);
    const result = JSON.parse(out);
    assert.equal([result.matched, result.alreadyProcessed, result.wouldChange], [2, 1, 0]);
  } finally {
    await pool.query(`DELETE FROM conflag.job_processed_recordings`);
    await pool.query(`UPDATE conflag.jobs SET mode = 'full' WHERE id = 1`);
  }
});

test('preview --condition: scope, action, timezone; judged by the database; writes nothing', async () => {
  const before = await snapshot();
  const condition = JSON.stringify(LONG);
  const tokyo = await cli('preview', '--condition', condition, '--scope', 'acme,globex', '--action', 'clear', '--timezone', 'Asia/Tokyo', '--json');
  assert.is(tokyo.code, 0, tokyo.err);
  const result = JSON.parse(tokyo.out);
  // In Tokyo every call started after noon (07:00Z = 16:00); in UTC all long ones started before it.
  assert.equal([result.matched, result.wouldChange, result.timezone], [0, 0, 'Asia/Tokyo']);
  const utc = JSON.parse((await cli('preview', '--condition', condition, '--scope', 'acme,globex', '--action', 'clear', '--timezone', 'UTC', '--json')).out);
  // a4, then a1, a2, g1: changes first, then by key.
  assert.equal(utc.examples.map((e: { key: string }) => e.key), [ids[4], ids[0], ids[1], ids[2]].map((id) => `[${id}]`), 'changes first, then by key');
  assert.equal(utc.examples[0].facts, { duration: 7201, start_time: '07:00:00' });
  assert.equal([utc.matched, utc.wouldChange], [4, 1]);
  const everyone = JSON.parse((await cli('preview', '--condition', '{"any": []}', '--json', '--examples', '0')).out);
  assert.equal([everyone.matched, everyone.wouldChange, everyone.examples.length, everyone.scope], [5, 4, 0, null]);
  assert.is(await snapshot(), before);
});

test('preview --condition: invalid input is refused with the database message', async () => {
  const invalid = await cli('preview', '--condition', '{"all": [{"fact": "caller_name", "operator": "lessThan", "value": "M"}]}');
  assert.is(invalid.code, 1);
  assert.match(invalid.err, 'jobs.condition: all[0].operator "lessThan" does not apply to fact "caller_name" (text)');
  const notJson = await cli('preview', '--condition', '{all');
  assert.is(notJson.code, 2);
  assert.match(notJson.err, '--condition is not valid JSON');
  const tenant = await cli('preview', '--condition', '{"all": []}', '--scope', 'nobody');
  assert.is(tenant.code, 2);
  assert.match(tenant.err, 'unknown tenant(s) "nobody"');
  const zone = await cli('preview', '--condition', '{"all": []}', '--timezone', 'europe/berlin');
  assert.is(zone.code, 2);
  assert.match(zone.err, 'did you mean "Europe/Berlin"');
  assert.is((await cli('preview', 'Long morning calls', '--action', 'clear')).code, 2);
});

test('preview sends BEGIN TRANSACTION READ ONLY first and no write statement', async () => {
  const sent: string[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0];
    sent.push(typeof first === 'string' ? first : String((first as { text?: string })?.text ?? ''));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    assert.is((await cli('preview', 'Long morning calls')).code, 0);
  } finally {
    pg.Client.prototype.query = original;
  }
  assert.is(sent[0], 'BEGIN TRANSACTION READ ONLY');
  assert.ok(sent.length > 3, sent.join('\n'));
  for (const statement of sent) assert.not.match(statement, /^\s*(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|CREATE|ALTER|DROP|COMMIT)\b/i);
});

test.run();
