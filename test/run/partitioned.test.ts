// Runs on a month-partitioned conflag.recordings: the table is rebuilt with the DDL of docs/reporting.md
// ("A month-partitioned recordings table") as written — primary key (id, started_at), the runner's grants
// repeated, the key (id, started_at) mapped, which puts the change-log triggers on it — and the same compiled
// statements run against it.
import * as assert from 'uvu/assert';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, openPool } from '../lib/db.ts';
import { markdownBlocks } from '../lib/markdownBlocks.ts';
import { suite } from '../lib/suite.ts';
import { confidentialIds, insertJob, insertTenants, rowVersions } from './fixtures.ts';

const test = suite('run: month-partitioned recordings');
test.after(closePools);

/** The DDL block of docs/reporting.md that follows the `partition-ddl` marker, run exactly as written. */
function partitionDdl(): string {
  const block = markdownBlocks(new URL('../../docs/reporting.md', import.meta.url)).find(
    (b) => b.lang === 'sql' && b.marker?.startsWith('<!-- partition-ddl'),
  );
  if (!block) throw new Error('docs/reporting.md has no partition-ddl block');
  return block.body;
}

/** 3 months of calls, one every 6 hours, two tenants; every 7th call is long. Returns the long ones of 'east'. */
async function load(pool: ReturnType<typeof openPool>): Promise<void> {
  await insertTenants(pool, 'east', 'west');
  await pool.query(`
    INSERT INTO conflag.recordings (tenant_id, call_id, started_at, duration)
    SELECT CASE WHEN n % 2 = 0 THEN 'east' ELSE 'west' END, 'c' || n,
           timestamptz '2025-01-01 00:00+00' + make_interval(hours => 6 * n), CASE WHEN n % 7 = 0 THEN 9000 ELSE 60 END
      FROM generate_series(0, 359) n`);
}

test('a full and an incremental job run on a month-partitioned table like on a plain one', async () => {
  const pool = openPool();
  await load(pool);
  await pool.query(partitionDdl());
  const kind = await pool.query(`SELECT relkind FROM pg_class WHERE oid = 'conflag.recordings'::regclass`);
  assert.is(kind.rows[0].relkind, 'p');
  const expected = (await pool.query(
    `SELECT id::text AS id FROM conflag.recordings r WHERE tenant_id = 'east' AND duration > 7200 ORDER BY r.id`,
  )).rows.map((r) => r.id);
  assert.ok(expected.length > 20);
  const months = await pool.query(
    `SELECT count(DISTINCT tableoid)::int AS n FROM conflag.recordings WHERE id = ANY ($1::bigint[])`, [expected]);
  assert.ok(months.rows[0].n >= 3, 'the matching recordings span three partitions');

  const full = await insertJob(pool, { name: 'east long', condition: { all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }] }, access_scope: ['east'] });
  // Block ranges belong to one relation: a run goes through each partition's blocks in turn.
  const partitionBlocks = (await pool.query(
    `SELECT sum(pg_relation_size(relid) / current_setting('block_size')::int)::int AS n
       FROM pg_partition_tree('conflag.recordings') WHERE isleaf`)).rows[0].n as number;
  assert.ok(partitionBlocks >= 4, `${partitionBlocks} blocks in the partitions`);
  const first = await executeRun(pool, full, { trigger: 'manual', parallelism: 2, batchUnits: 1 });
  assert.equal({ status: first.status, matched: first.matched, changed: first.changed, batches: first.batches },
    { status: 'succeeded', matched: expected.length, changed: expected.length, batches: partitionBlocks }, first.error);
  assert.equal(await confidentialIds(pool), expected);
  const versions = await rowVersions(pool);
  const again = await executeRun(pool, full, { trigger: 'manual' });
  assert.equal({ matched: again.matched, changed: again.changed }, { matched: expected.length, changed: 0 });
  assert.is(await rowVersions(pool), versions, 'the re-run wrote no row');

  // Incremental on the partitioned table: a new recording in a new month, and a changed one, via the triggers.
  const clearJob = await insertJob(pool, { name: 'west clear', condition: { all: [{ fact: 'start_weekday', operator: 'equal', value: 'sunday' }] }, access_scope: ['west'], action: 'clear', mode: 'incremental', timezone: 'Europe/Berlin' });
  await pool.query(`UPDATE conflag.recordings SET confidential = true WHERE tenant_id = 'west'`);
  const c1 = await executeRun(pool, clearJob, { trigger: 'manual' });
  assert.equal({ status: c1.status, scan: c1.scan }, { status: 'succeeded', scan: 'table' }, c1.error);
  const sundays = Number((await pool.query(
    `SELECT count(*) AS n FROM conflag.recordings WHERE tenant_id = 'west' AND extract(isodow FROM started_at AT TIME ZONE 'Europe/Berlin') = 7`)).rows[0].n);
  assert.is(c1.changed, sundays);
  const added = await pool.query(
    `INSERT INTO conflag.recordings (tenant_id, started_at, duration, confidential) VALUES ('west', '2025-04-06 10:00+00', 60, true) RETURNING id::text, tableoid::regclass::text AS part`);
  assert.is(added.rows[0].part, 'conflag.recordings_2025_04');
  const c2 = await executeRun(pool, clearJob, { trigger: 'manual' });
  assert.equal({ scan: c2.scan, matched: c2.matched, changed: c2.changed }, { scan: 'changes', matched: 1, changed: 1 });
  const flag = await pool.query(`SELECT confidential FROM conflag.recordings WHERE id = $1`, [added.rows[0].id]);
  assert.is(flag.rows[0].confidential, false);
  assert.equal(await confidentialIds(pool, 'east'), expected, 'the west job never touched east');

  // A recording moved to another month (cross-partition UPDATE) is logged; its key (id, started_at) is new, so the
  // clear job considers it again although it processed the recording under its old key.
  const sundayRow = (await pool.query(
    `SELECT id::text FROM conflag.recordings WHERE tenant_id = 'west' AND NOT confidential ORDER BY id LIMIT 1`)).rows[0].id;
  await pool.query(`UPDATE conflag.recordings SET confidential = true WHERE id = $1`, [sundayRow]); // by hand
  await pool.query(`UPDATE conflag.recordings SET started_at = '2025-04-13 10:00+00' WHERE id = $1`, [sundayRow]); // a Sunday in April
  const moved = await pool.query(`SELECT tableoid::regclass::text AS part FROM conflag.recordings WHERE id = $1`, [sundayRow]);
  assert.is(moved.rows[0].part, 'conflag.recordings_2025_04');
  const c3 = await executeRun(pool, clearJob, { trigger: 'manual' });
  assert.equal({ scan: c3.scan, skipped: c3.skipped, changed: c3.changed }, { scan: 'changes', skipped: 0, changed: 1 }, 'a new key: a new recording');
  const runs = await pool.query(`SELECT candidates::int FROM conflag.job_runs WHERE id = $1`, [c3.runId]);
  assert.is(runs.rows[0].candidates, 1, 'the move was logged');

  // A partition created after the mapping gets the change-log triggers from PostgreSQL; rows inserted straight into
  // it are logged once, like rows inserted through the partitioned table.
  await pool.query(`CREATE TABLE conflag.recordings_2025_05 PARTITION OF conflag.recordings
                      FOR VALUES FROM ('2025-05-01 00:00+00') TO ('2025-06-01 00:00+00') WITH (fillfactor = 90)`);
  await pool.query(`GRANT SELECT, UPDATE (confidential, confidential_changed_at, confidential_changed_by_run) ON conflag.recordings_2025_05 TO conflag_runner`);
  // Runs refuse a partition without the row-level security of runs (CF413, test/source/ownTableRowSecurity.test.ts).
  await pool.query(`SELECT conflag.install_run_scope_policies()`);
  const logged = async () => Number((await pool.query(`SELECT count(*) AS n FROM conflag.recording_changes`)).rows[0].n);
  const before = await logged();
  // The id from the partitioned table's identity sequence: before PostgreSQL 17 a partition does not inherit the
  // identity, so a row inserted straight into it gets no id by itself (CI's PostgreSQL 15 pass).
  await pool.query(`INSERT INTO conflag.recordings_2025_05 (id, tenant_id, started_at, duration, confidential) OVERRIDING SYSTEM VALUE
                    VALUES (nextval(pg_get_serial_sequence('conflag.recordings', 'id')), 'west', '2025-05-04 10:00+00', 60, true)`);
  await pool.query(`INSERT INTO conflag.recordings (tenant_id, started_at, duration, confidential) VALUES ('west', '2025-05-11 10:00+00', 60, true)`);
  assert.is(await logged(), before + 2, 'one log row per inserted recording, however it was inserted');
  const c4 = await executeRun(pool, clearJob, { trigger: 'manual' });
  assert.equal({ status: c4.status, scan: c4.scan, matched: c4.matched, changed: c4.changed }, { status: 'succeeded', scan: 'changes', matched: 2, changed: 2 }, c4.error);
});

test.run();
