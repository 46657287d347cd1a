// conflag on a month-partitioned platform table (test/source/platformTable.ts, partitioned by began_at, key
// (call_uuid, began_at)): a full run goes through every partition's blocks; an incremental run sees calls inserted
// through the partitioned table and straight into a partition — also one created after the table was mapped — each
// logged once.
import * as assert from 'uvu/assert';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { insertJob } from '../run/fixtures.ts';
import { addMonth, confidentialCalls, createPlatformTable, insertCalls, mapPlatformTable, type PlatformTable } from './platformTable.ts';

const test = suite('source: a month-partitioned platform table');
test.after(closePools);
const pool = openPool();
let calls: PlatformTable;

test.before(async () => {
  calls = await createPlatformTable(pool, { table: 'calls_by_month', partitioned: true });
  await mapPlatformTable(pool, calls);
});

const logged = async () => Number((await pool.query(`SELECT count(*) AS n FROM conflag.recording_changes`)).rows[0].n);

test('a full job with a scope goes through each partition in block ranges', async () => {
  // One call every 8 hours from January to April, customers 101 and 202 in turn, every 5th one long.
  const uuids = await insertCalls(pool, calls, Array.from({ length: 360 }, (_, i) => ({
    customer: i % 2 === 0 ? '101' : '202', length_seconds: i % 5 === 0 ? 9000 : 60,
    began_at: new Date(Date.parse('2025-01-01T00:00:00Z') + i * 8 * 3600_000).toISOString(),
  })));
  const expected = uuids.filter((_, i) => i % 2 === 0 && i % 5 === 0).sort();
  const months = await pool.query(`SELECT count(DISTINCT tableoid)::int AS n FROM ${calls.name} WHERE call_uuid = ANY ($1::uuid[])`, [expected]);
  assert.is(months.rows[0].n, 4, 'the matching calls are in all four partitions');
  const blocks = (await pool.query(`SELECT sum(pg_relation_size(relid) / current_setting('block_size')::int)::int AS n
                                      FROM pg_partition_tree($1::regclass) WHERE isleaf`, [calls.name])).rows[0].n as number;
  const jobId = await insertJob(pool, { name: 'long calls of 101', condition: { all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }] }, access_scope: ['101'] });
  const run = await executeRun(pool, jobId, { trigger: 'manual', parallelism: 2, batchUnits: 1 });
  assert.equal({ status: run.status, matched: run.matched, changed: run.changed, batches: run.batches },
    { status: 'succeeded', matched: expected.length, changed: expected.length, batches: blocks }, run.error);
  assert.equal(await confidentialCalls(pool, calls), expected);
  await pool.query(`DELETE FROM conflag.jobs`);
  await pool.query(`DELETE FROM ${calls.name}`);
});

test('an incremental job sees inserts through the table, into a partition, into a partition added later, and moves', async () => {
  const card = { all: [{ fact: 'card_mentioned', operator: 'equal', value: 1 }] };
  await insertCalls(pool, calls, Array.from({ length: 20 }, (_, i) => ({
    mentions_card: i % 2 === 0, began_at: `2025-0${1 + (i % 4)}-10 12:00+00`,
  })));
  const jobId = await insertJob(pool, { name: 'card numbers', condition: card, mode: 'incremental' });
  const first = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ status: first.status, scan: first.scan, changed: first.changed }, { status: 'succeeded', scan: 'table', changed: 10 }, first.error);

  const before = await logged();
  const [routed] = await insertCalls(pool, calls, [{ mentions_card: true, began_at: '2025-04-20 09:00+00' }]);
  const direct = await pool.query<{ call_uuid: string }>(
    `INSERT INTO ${calls.name}_2025_03 (customer_id, began_at, mentions_card) VALUES (202, '2025-03-20 09:00+00', true) RETURNING call_uuid::text`);
  const may = await addMonth(pool, calls.name, '2025-05');
  // Runs refuse a partition without the table's row-level security (CF413, test/source/ownTableRowSecurity.test.ts).
  await pool.query(`SELECT conflag.install_run_scope_policies()`);
  const late = await pool.query<{ call_uuid: string }>(
    `INSERT INTO ${may} (customer_id, began_at, mentions_card) VALUES (303, '2025-05-02 09:00+00', true) RETURNING call_uuid::text`);
  assert.is(await logged(), before + 3, 'each inserted call is logged once, however it was inserted');

  const second = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ status: second.status, scan: second.scan, matched: second.matched, changed: second.changed }, { status: 'succeeded', scan: 'changes', matched: 3, changed: 3 }, second.error);
  const flagged = await confidentialCalls(pool, calls);
  for (const uuid of [routed, direct.rows[0].call_uuid, late.rows[0].call_uuid]) assert.ok(flagged.includes(uuid), `${uuid} is flagged`);

  // A call moved to another month (an UPDATE of the partition column) is logged once under its new key.
  const moved = await pool.query<{ call_uuid: string }>(
    `UPDATE ${calls.name} SET began_at = '2025-05-09 10:00+00' WHERE call_uuid = $1 RETURNING call_uuid::text, tableoid::regclass::text AS part`, [routed]);
  assert.is((moved.rows[0] as unknown as { part: string }).part, may);
  const third = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ scan: third.scan, matched: third.matched, changed: third.changed }, { scan: 'changes', matched: 1, changed: 0 }, 'a new key, already flagged');
  const run = await pool.query(`SELECT candidates::int FROM conflag.job_runs WHERE id = $1`, [third.runId]);
  assert.is(run.rows[0].candidates, 1);
});

test.run();
