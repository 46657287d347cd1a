// A full run: only the job's tenants, only matching recordings, only where the flag differs; batches with
// progress; the run row's counts; zero writes on a re-run; clear jobs; as_of and timezone recorded.
import * as assert from 'uvu/assert';
import { executeRun } from '../../src/run/executeRun.ts';
import type { RunProgress } from '../../src/run/types.ts';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import {
  blocksOf, confidentialIds, insertJob, insertRecordings, insertTenants, longCalls, rejection, resetRunData, rowVersions, runRow, tableBlocks,
} from './fixtures.ts';

const test = suite('run: full runs');
test.after(closePools);
test.before.each(() => resetRunData(openPool()));

const long = (i: number) => (i % 10 === 0 ? 9000 : 60); // every 10th recording lasts 2.5 hours

test('scope isolation: a job for tenant A never touches tenant B', async () => {
  const pool = openPool();
  await insertTenants(pool, 'tenant-a', 'tenant-b');
  const a = await insertRecordings(pool, 50, { tenant: 'tenant-a', duration: long });
  const b = await insertRecordings(pool, 50, { tenant: 'tenant-b', duration: long });
  const before = await rowVersions(pool);
  const jobId = await insertJob(pool, { name: 'scope a', condition: longCalls, access_scope: ['tenant-a'] });
  const result = await executeRun(pool, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 1 });
  assert.is(result.status, 'succeeded', result.error);
  assert.equal(await confidentialIds(pool, 'tenant-a'), a.filter((_, i) => long(i + 1) > 7200));
  assert.equal(await confidentialIds(pool, 'tenant-b'), []);
  const { rows } = await pool.query(
    `SELECT count(*)::int AS n FROM conflag.recordings WHERE tenant_id = 'tenant-b' AND (confidential_changed_by_run IS NOT NULL OR confidential_changed_at IS NOT NULL)`,
  );
  assert.is(rows[0].n, 0, 'no audit column of tenant B was written');
  // Tenant B's row versions are exactly as before (xmin unchanged): not even a no-op write.
  const bVersions = before.split(',').filter((v) => b.includes(v.split(':')[0]));
  const afterB = (await rowVersions(pool)).split(',').filter((v) => b.includes(v.split(':')[0]));
  assert.equal(afterB, bVersions);
  assert.is(result.matched, 5);
  assert.is(result.changed, 5);
});

test('batches, progress callbacks and the run row agree; flags carry the run id and time', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 95, { duration: long, perBlock: 10 });
  // Three recordings already have the flag: they match but are not changed (a HOT update: they stay in their block).
  await pool.query(`UPDATE conflag.recordings SET confidential = true WHERE id = ANY ($1::bigint[])`, [[ids[9], ids[19], ids[29]]]);
  const blocks = await blocksOf(pool);
  assert.equal(ids.map((id) => blocks.get(id)), ids.map((_, i) => Math.floor(i / 10)), 'ten recordings to a block, in id order');
  const jobId = await insertJob(pool, { name: 'batches', condition: longCalls, timezone: 'Europe/Berlin' });
  const seen: RunProgress[] = [];
  const asOf = new Date('2025-06-01T12:00:00Z');
  const result = await executeRun(pool, jobId, {
    trigger: 'schedule', attempt: 2, parallelism: 1, batchUnits: 2, now: asOf, onProgress: (p) => seen.push(p),
  });
  assert.is(result.status, 'succeeded', result.error);
  assert.is(await tableBlocks(pool), 10);
  assert.is(result.batches, 5, '10 blocks in batches of 2');
  assert.is(result.matched, 9);
  assert.is(result.changed, 6);
  assert.equal(seen.map((p) => p.batches), [0, 1, 2, 3, 4, 5], 'one report at the start and one per batch');
  assert.equal(seen.map((p) => p.scannedUnits), [0, 2, 4, 6, 8, 10]);
  // Recording i (1-based) matches when i is a multiple of 10: one in each of blocks 0 to 8; 10, 20, 30 were flagged already.
  assert.equal(seen.map((p) => p.matched), [0, 2, 4, 6, 8, 9]);
  assert.equal(seen.map((p) => p.changed), [0, 0, 1, 3, 5, 6]);
  assert.is(seen.at(-1)!.fraction, 1);
  assert.ok(seen.every((p, i) => i === 0 || p.fraction >= seen[i - 1].fraction), 'progress never goes back');

  const run = await runRow(pool, result.runId);
  assert.equal(
    { status: run.status, trigger: run.trigger, attempt: run.attempt, scan: run.scan, batches: run.batches, matched: run.matched,
      changed: run.changed, skipped: run.skipped, scan_units: run.scan_units, scanned_units: run.scanned_units, parallelism: run.parallelism,
      timezone: run.timezone, error: run.error },
    { status: 'succeeded', trigger: 'schedule', attempt: 2, scan: 'table', batches: 5, matched: 9, changed: 6, skipped: 0,
      scan_units: 10, scanned_units: 10, parallelism: 1, timezone: 'Europe/Berlin', error: null },
  );
  assert.is(run.as_of.toISOString(), asOf.toISOString());
  assert.ok(run.finished_at);
  const { rows } = await pool.query(
    `SELECT count(*) FILTER (WHERE confidential_changed_by_run = $1::bigint)::int AS by_run,
            count(*) FILTER (WHERE confidential_changed_at IS NOT NULL)::int AS stamped
       FROM conflag.recordings`,
    [result.runId],
  );
  assert.equal(rows[0], { by_run: 6, stamped: 6 }, 'only the changed recordings carry the run');
});

test('two connections cover every block exactly once, in batches that never overlap', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 600, { duration: long, perBlock: 5 });
  const jobId = await insertJob(pool, { name: 'parallel', condition: longCalls });
  await pool.query(`UPDATE conflag.jobs SET log_enabled = true WHERE id = $1`, [jobId]);
  const result = await executeRun(pool, jobId, { trigger: 'manual', parallelism: 2, batchUnits: 3 });
  assert.is(result.status, 'succeeded', result.error);
  assert.equal([result.matched, result.changed], [60, 60]);
  assert.equal(await confidentialIds(pool), ids.filter((_, i) => long(i + 1) > 7200));
  const { rows } = await pool.query<{ from_block: number; to_block: number }>(
    `SELECT (details->>'from_block')::int AS from_block, (details->>'to_block')::int AS to_block
       FROM conflag.job_run_log WHERE run_id = $1::bigint AND event = 'batch' ORDER BY 1`,
    [result.runId],
  );
  assert.is(rows.length, 40, '120 blocks in batches of 3');
  rows.forEach((r, i) => assert.equal([r.from_block, r.to_block], [i * 3, i * 3 + 3], `batch ${i + 1}`));
  const run = await runRow(pool, result.runId);
  assert.equal([run.parallelism, run.scan_units, run.scanned_units, run.batches], [2, 120, 120, 40]);
});

test('a second full run on unchanged data writes zero rows', async () => {
  const pool = openPool();
  await insertRecordings(pool, 60, { duration: long });
  const jobId = await insertJob(pool, { name: 'rerun', condition: longCalls });
  const first = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.is(first.changed, 6);
  const before = await rowVersions(pool);
  const second = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.is(second.status, 'succeeded');
  assert.is(second.matched, 6, 'still matched');
  assert.is(second.changed, 0, 'nothing changed');
  assert.is(await rowVersions(pool), before, 'every row version (xmin) is unchanged: no row was written');
});

test('a clear job clears only matching flags', async () => {
  const pool = openPool();
  const ids = await insertRecordings(pool, 40, { duration: long, perBlock: 4 });
  await pool.query(`UPDATE conflag.recordings SET confidential = true`);
  const jobId = await insertJob(pool, { name: 'clear', condition: { all: [{ fact: 'duration', operator: 'lessThan', value: 100 }] }, action: 'clear' });
  const result = await executeRun(pool, jobId, { trigger: 'manual', batchUnits: 2 });
  assert.is(result.status, 'succeeded', result.error);
  assert.is(result.changed, 36);
  assert.equal(await confidentialIds(pool), ids.filter((_, i) => long(i + 1) > 7200));
});

test('an empty table and a job that matches nothing succeed with zero counts', async () => {
  const pool = openPool();
  const jobId = await insertJob(pool, { name: 'empty', condition: longCalls });
  const empty = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ status: empty.status, batches: empty.batches, matched: empty.matched }, { status: 'succeeded', batches: 0, matched: 0 });
  await insertRecordings(pool, 10);
  const none = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.equal({ status: none.status, batches: none.batches, matched: none.matched, changed: none.changed },
    { status: 'succeeded', batches: 1, matched: 0, changed: 0 });
});

test('the timezone falls back to settings.default_timezone, then the server; an unknown job or a bad option throws', async () => {
  const pool = openPool();
  const jobId = await insertJob(pool, { name: 'tz', condition: longCalls });
  await pool.query(`UPDATE conflag.settings SET default_timezone = 'America/New_York'`);
  const withDefault = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.is((await runRow(pool, withDefault.runId)).timezone, 'America/New_York');
  await pool.query(`UPDATE conflag.settings SET default_timezone = NULL`);
  const server = (await pool.query(`SELECT current_setting('TimeZone') AS tz`)).rows[0].tz;
  const withServer = await executeRun(pool, jobId, { trigger: 'manual' });
  assert.is((await runRow(pool, withServer.runId)).timezone, server);
  const missing = await rejection(executeRun(pool, '999999', { trigger: 'manual' }));
  assert.is(missing.code, 'CF301');
  assert.match(missing.message, 'job 999999 does not exist');
  const badBatch = await rejection(executeRun(pool, jobId, { trigger: 'manual', batchUnits: 0 }));
  assert.is(badBatch.code, 'CF303');
  assert.match(badBatch.message, 'batch size 0 is not valid');
  const badParallel = await rejection(executeRun(pool, jobId, { trigger: 'manual', parallelism: 0 }));
  assert.is(badParallel.code, 'CF303');
  assert.match(badParallel.message, 'parallelism 0 is not valid');
  const badTarget = await rejection(executeRun(pool, jobId, { trigger: 'manual', batchTargetMs: 1 }));
  assert.match(badTarget.message, 'batch time target 1 ms is not valid');
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM conflag.job_runs WHERE status = 'running'`);
  assert.is(rows[0].n, 0);
});

test('the run session is named conflag-run:<id> while it runs (pid recorded) and reset afterwards', async () => {
  const pool = openPool(undefined, { max: 1 });
  const monitor = openPool();
  const ids = await insertRecordings(pool, 30, { duration: () => 9000, perBlock: 5 });
  const jobId = await insertJob(pool, { name: 'appname', condition: longCalls });
  // Hold a row of the fourth block (batch) so the run waits there while we look at its session.
  const holder = await monitor.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM conflag.recordings WHERE id = $1 FOR UPDATE', [ids[15]]);
  const running = executeRun(pool, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 1 });
  let seen: { pid: number; application_name: string; wait_event_type: string | null }[] = [];
  for (let i = 0; i < 200 && !seen.some((s) => s.wait_event_type === 'Lock'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    seen = (await monitor.query(`SELECT pid, application_name, wait_event_type FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'conflag-run:%'`)).rows;
  }
  await holder.query('ROLLBACK');
  holder.release();
  const result = await running;
  assert.is(result.status, 'succeeded', result.error);
  const run = await runRow(monitor, result.runId);
  assert.ok(run.backend_pid, 'the backend pid is recorded');
  assert.equal(seen.map((s) => [s.pid, s.application_name]), [[run.backend_pid, `conflag-run:${result.runId}`]]);
  const after = await pool.query(`SELECT current_setting('application_name') AS name, pg_backend_pid() AS pid`);
  assert.is(after.rows[0].pid, run.backend_pid, 'the pool reused the run connection');
  assert.is.not(after.rows[0].name, `conflag-run:${result.runId}`, 'application_name is reset when the run ends');
});

test.run();
