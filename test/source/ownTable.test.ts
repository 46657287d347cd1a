// conflag on a platform-shaped table (test/source/platformTable.ts: uuid key, bigint customer as tenant, other column
// names, is_confidential with audit columns of its own, DBA-defined facts): full and incremental runs, scope, a fact
// that is a DBA's expression, preview and explain through the CLI — the same code paths as on conflag.recordings.
import * as assert from 'uvu/assert';
import { cli } from '../lib/runCli.ts';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { insertJob } from '../run/fixtures.ts';
import { confidentialCalls, createPlatformTable, insertCalls, mapPlatformTable, type PlatformTable } from './platformTable.ts';

const test = suite('source: a platform table of its own');
test.after(closePools);
const pool = openPool();
let calls: PlatformTable;

/** Billing calls of customer 101 over two hours; queue names with case and blanks the DBA's fact folds away. */
const longBilling = { all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }, { fact: 'queue', operator: 'equal', value: 'billing' }] };

test.before(async () => {
  calls = await createPlatformTable(pool);
  await mapPlatformTable(pool, calls);
});

test('a full job with a scope and a DBA-defined fact flags exactly its calls, records who and when, and re-runs write nothing', async () => {
  const uuids = await insertCalls(pool, calls, [
    { length_seconds: 9000, queue: ' Billing ' }, // 0: match
    { length_seconds: 9000, queue: 'billing', customer: '202' }, // 1: other customer
    { length_seconds: 60, queue: 'billing' }, // 2: short
    { length_seconds: 9000, queue: 'sales' }, // 3: other queue
    { length_seconds: 7201, queue: 'BILLING' }, // 4: match
    { length_seconds: null, queue: 'billing' }, // 5: unknown length
  ]);
  const jobId = await insertJob(pool, { name: 'long billing calls of 101', condition: longBilling, access_scope: ['101'] });
  const first = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ status: first.status, matched: first.matched, changed: first.changed }, { status: 'succeeded', matched: 2, changed: 2 }, first.error);
  assert.equal(await confidentialCalls(pool, calls), [uuids[0], uuids[4]].sort());
  const audit = await pool.query(`SELECT count(*)::int AS n FROM ${calls.name} WHERE is_confidential AND confidential_by_run = $1 AND confidential_since IS NOT NULL`, [first.runId]);
  assert.is(audit.rows[0].n, 2, 'the audit columns named in the mapping are written');
  const versions = async () => (await pool.query(`SELECT string_agg(call_uuid || ':' || xmin::text, ',' ORDER BY call_uuid) AS v FROM ${calls.name}`)).rows[0].v;
  const before = await versions();
  const again = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ matched: again.matched, changed: again.changed }, { matched: 2, changed: 0 });
  assert.is(await versions(), before, 'the re-run wrote no row');

  const clear = await insertJob(pool, { name: 'clear 101', condition: { all: [{ fact: 'agent', operator: 'isEmpty', value: true }] }, access_scope: ['101'], action: 'clear' });
  const cleared = await executeRun(pool, clear, { trigger: 'manual' });
  assert.equal({ status: cleared.status, changed: cleared.changed }, { status: 'succeeded', changed: 2 }, cleared.error);
  assert.equal(await confidentialCalls(pool, calls), []);
  await pool.query(`DELETE FROM conflag.jobs`);
  await pool.query(`DELETE FROM ${calls.name}`);
});

test('an incremental job: new and changed calls through the change log, processed ones left alone, its own updates not logged', async () => {
  const card = { all: [{ fact: 'card_mentioned', operator: 'equal', value: 1 }] };
  const logged = async () => Number((await pool.query(`SELECT count(*) AS n FROM conflag.recording_changes`)).rows[0].n);
  const earlier = await logged();
  const uuids = await insertCalls(pool, calls, Array.from({ length: 40 }, (_, i) => ({ mentions_card: i % 4 === 0, length_seconds: 60 })));
  const jobId = await insertJob(pool, { name: 'card numbers', condition: card, mode: 'incremental' });
  const first = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ status: first.status, scan: first.scan, changed: first.changed }, { status: 'succeeded', scan: 'table', changed: 10 }, first.error);
  assert.is(await logged(), earlier + 40, 'one log row per inserted call; the run\'s own flag updates are not logged');

  await pool.query(`UPDATE ${calls.name} SET is_confidential = false WHERE call_uuid = $1`, [uuids[0]]); // a hand edit of the flag
  await pool.query(`UPDATE ${calls.name} SET queue = queue WHERE call_uuid = $1`, [uuids[4]]); // changes nothing
  assert.is(await logged(), earlier + 40, 'neither is a change of the call');
  await pool.query(`UPDATE ${calls.name} SET mentions_card = true WHERE call_uuid = $1`, [uuids[1]]); // now matches
  await pool.query(`UPDATE ${calls.name} SET agent_id = 'a-7' WHERE call_uuid = $1`, [uuids[0]]); // still matches, processed
  const added = await insertCalls(pool, calls, [{ mentions_card: true }, { mentions_card: false }]);
  const second = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ scan: second.scan, matched: second.matched, changed: second.changed, skipped: second.skipped },
    { scan: 'changes', matched: 2, changed: 2, skipped: 1 }, second.error);
  const run = await pool.query(`SELECT candidates::int FROM conflag.job_runs WHERE id = $1`, [second.runId]);
  assert.is(run.rows[0].candidates, 4, 'two changed, two inserted');
  const flagged = await confidentialCalls(pool, calls);
  assert.ok(flagged.includes(uuids[1]) && flagged.includes(added[0]), 'the changed and the new call are flagged');
  assert.not.ok(flagged.includes(uuids[0]), 'processed before: the hand-cleared flag stays cleared');
  const keys = await pool.query(`SELECT recording_key FROM conflag.job_processed_recordings WHERE job_id = $1 AND recording_key = jsonb_build_array($2::text)`, [jobId, added[0]]);
  assert.is(keys.rows.length, 1, 'processed calls are remembered by their uuid');
  await pool.query(`DELETE FROM conflag.jobs`);
  await pool.query(`DELETE FROM ${calls.name}`);
});

test('preview and explain work on the mapped table', async () => {
  const uuids = await insertCalls(pool, calls, [
    { length_seconds: 9000, queue: 'billing' },
    { length_seconds: 9000, queue: 'billing', customer: '202' },
    { length_seconds: 9000, queue: 'billing', is_confidential: true },
  ]);
  await insertJob(pool, { name: 'long billing', condition: longBilling, access_scope: ['101'] });
  const preview = await cli('preview', 'long billing', '--json');
  assert.is(preview.code, 0, preview.err);
  const result = JSON.parse(preview.out) as { matched: number; wouldChange: number; examples: Array<{ key: string; tenant: string; confidential: boolean; facts: Record<string, unknown> }> };
  assert.equal({ matched: result.matched, wouldChange: result.wouldChange }, { matched: 2, wouldChange: 1 });
  assert.equal(result.examples.map((e) => [e.key, e.tenant, e.confidential]), [[JSON.stringify([uuids[0]]), '101', false], [JSON.stringify([uuids[2]]), '101', true]]);
  assert.equal(result.examples[0].facts, { duration: 9000, queue: 'billing' });

  const explained = await cli('explain', 'long billing');
  assert.is(explained.code, 0, explained.err);
  assert.match(explained.out, 'Predicate over r (platform.calls), scope included:');
  assert.match(explained.out, 'r.customer_id::text = ANY($1::text[])');
  assert.match(explained.out, 'lower(btrim(r.queue)) = $');
  assert.match(explained.out, 'SELECT r.call_uuid FROM platform.calls r WHERE <predicate>');
  const json = JSON.parse((await cli('explain', 'long billing', '--json')).out) as { statement: string; parameters: unknown[] };
  const { rows } = await pool.query<{ call_uuid: string }>(json.statement + ' ORDER BY 1', json.parameters);
  assert.equal(rows.map((r) => r.call_uuid), [uuids[0], uuids[2]].sort());
  await pool.query(`DELETE FROM conflag.jobs`);
  await pool.query(`DELETE FROM ${calls.name}`);
});

test.run();
