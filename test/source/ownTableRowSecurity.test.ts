// Row-level security on a mapped table, as conflag.recordings has it (migration 0006, test/run/rowLevelSecurity.test.ts):
// mapping platform.calls installs the two policies there (and on each partition, which runs update directly) and
// takes them away when the mapping goes back. As a real login holding only conflag_runner: a direct UPDATE is
// refused; a run writes its job's customers; a run whose predicate is deliberately broken (a test-only hook drops the
// scope) is stopped by row-level security at the first call of another customer. A partition attached after the
// mapping has no policies: runs refuse (CF413) until conflag.install_run_scope_policies() gives them.
import * as assert from 'uvu/assert';
import { migrate } from '../../src/db/migrate.ts';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { createLoginRole, type LoginRole } from '../lib/loginRole.ts';
import { suite } from '../lib/suite.ts';
import { insertJob, longCalls, rejection } from '../run/fixtures.ts';
import { addMonth, confidentialCalls, createPlatformTable, insertCalls, mapConflagRecordings, mapPlatformTable } from './platformTable.ts';

const test = suite('source: row-level security on a mapped table');
const pool = openPool();
let runner: LoginRole;
test.before(async () => {
  runner = await createLoginRole('rls_mapped', ['conflag_runner']);
});
test.after.each(async () => {
  await pool.query(`DELETE FROM conflag.jobs`);
  await mapConflagRecordings(pool);
});
test.after(async () => {
  await closePools();
  await runner.drop();
});

/** Each relation's row-level security and conflag's policies on it ('-' for none), in name order. */
async function security(...relations: string[]): Promise<string[]> {
  const { rows } = await pool.query<{ line: string }>(
    `SELECT format('%s %s: %s', c.oid::regclass, CASE WHEN c.relrowsecurity THEN 'on' ELSE 'off' END,
                   coalesce((SELECT string_agg(format('%s %s to %s', p.polname, CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END,
                                                      (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END, ',') FROM unnest(p.polroles) r)), ', ' ORDER BY p.polname)
                               FROM pg_policy p WHERE p.polrelid = c.oid), '-')) AS line
       FROM pg_class c WHERE c.oid = ANY ($1::regclass[]) ORDER BY c.oid::regclass::text`,
    [relations],
  );
  return rows.map((r) => r.line);
}

const GUARDED = 'recordings_everyone permissive to public, recordings_runner_scope restrictive to conflag_runner';

test('mapping installs the policies, a runner login writes only inside its run\'s scope, mapping back removes them', async () => {
  const calls = await createPlatformTable(pool);
  assert.equal(await security(calls.name), ['platform.calls off: -']);
  await mapPlatformTable(pool, calls);
  assert.equal(await security(calls.name, 'conflag.recordings'), [`conflag.recordings on: ${GUARDED}`, `platform.calls on: ${GUARDED}`]);
  assert.is((await pool.query(`SELECT conflag.run_scope_problem() AS p`)).rows[0].p, null);

  const a = await insertCalls(pool, calls, Array.from({ length: 20 }, () => ({ customer: '101', length_seconds: 9000 })));
  await insertCalls(pool, calls, Array.from({ length: 20 }, () => ({ customer: '202', length_seconds: 9000 })));
  const asRunner = openPool(runner.url, { max: 3 });
  const refused = await rejection(asRunner.query(`UPDATE ${calls.name} SET is_confidential = true WHERE customer_id = 202`));
  assert.is(refused.code, '42501');
  assert.match(refused.message, 'row-level security');

  const jobId = await insertJob(pool, { name: '101 only', condition: longCalls, access_scope: ['101'] });
  const broken = await executeRun(asRunner, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 1, testOnlyIgnoreScope: true });
  assert.is(broken.status, 'failed');
  assert.match(broken.error!, 'new row violates row-level security policy');
  const flagged = await confidentialCalls(pool, calls);
  assert.ok(flagged.every((uuid) => a.includes(uuid)), 'not one call of customer 202 was written');

  await pool.query(`UPDATE ${calls.name} SET is_confidential = false`);
  const fine = await executeRun(asRunner, jobId, { trigger: 'manual' });
  assert.is(fine.status, 'succeeded', fine.error);
  assert.equal(await confidentialCalls(pool, calls), [...a].sort());

  await pool.query(`DELETE FROM conflag.jobs`);
  await mapConflagRecordings(pool);
  assert.equal(await security(calls.name, 'conflag.recordings'), [`conflag.recordings on: ${GUARDED}`, 'platform.calls off: -'],
    'the platform table is as it was; conflag.recordings keeps the policies of migration 0006');
});

test('a table with row-level security of its own keeps it: conflag adds a permissive policy for the runner only', async () => {
  const calls = await createPlatformTable(pool, { table: 'secured_calls' });
  await pool.query(`ALTER TABLE ${calls.name} ENABLE ROW LEVEL SECURITY`);
  await pool.query(`CREATE POLICY platform_agents ON ${calls.name} FOR SELECT TO PUBLIC USING (agent_id = current_user)`);
  await mapPlatformTable(pool, calls);
  assert.equal(await security(calls.name),
    ['platform.secured_calls on: platform_agents permissive to public, recordings_everyone permissive to conflag_runner, recordings_runner_scope restrictive to conflag_runner']);
  await mapConflagRecordings(pool);
  assert.equal(await security(calls.name), ['platform.secured_calls on: platform_agents permissive to public'], 'its own policy and row-level security stay');
});

test('a partitioned table: every partition guarded; one added later refuses runs (CF413) until installed; migrate repairs', async () => {
  const calls = await createPlatformTable(pool, { table: 'calls_by_month', partitioned: true });
  await mapPlatformTable(pool, calls);
  const months = ['2025_01', '2025_02', '2025_03', '2025_04'].map((m) => `${calls.name}_${m}`);
  assert.equal(await security(calls.name, ...months), [calls.name, ...months].sort().map((r) => `${r} on: ${GUARDED}`));

  await insertCalls(pool, calls, [{ customer: '101', length_seconds: 9000 }, { customer: '202', length_seconds: 9000, began_at: '2025-03-02 08:00+00' }]);
  const asRunner = openPool(runner.url, { max: 3 });
  const direct = await rejection(asRunner.query(`UPDATE ${calls.name}_2025_03 SET is_confidential = true WHERE customer_id = 202`));
  assert.match(direct.message, 'row-level security', 'a partition named directly is guarded too');
  const jobId = await insertJob(pool, { name: '101 only', condition: longCalls, access_scope: ['101'] });
  const broken = await executeRun(asRunner, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 1, testOnlyIgnoreScope: true });
  assert.match(broken.error!, 'new row violates row-level security policy');

  const may = await addMonth(pool, calls.name, '2025-05');
  const unguarded = await executeRun(asRunner, jobId, { trigger: 'manual' });
  assert.is(unguarded.status, 'failed');
  assert.match(unguarded.error!, `CF413`);
  assert.match(unguarded.error!, `row-level security is off on ${may}; policy recordings_everyone on ${may} is missing`);
  const installed = await pool.query<{ line: string }>(`SELECT line FROM conflag.install_run_scope_policies() AS line`);
  assert.equal(installed.rows.map((r) => r.line), [
    `enabled row-level security on ${may}`, `created policy recordings_everyone on ${may}`, `created policy recordings_runner_scope on ${may}`,
  ]);
  const fine = await executeRun(asRunner, jobId, { trigger: 'manual' });
  assert.equal({ status: fine.status, changed: fine.changed }, { status: 'succeeded', changed: 1 }, fine.error);

  // A policy dropped by hand is put back by `conflag migrate`.
  await pool.query(`DROP POLICY recordings_runner_scope ON ${calls.name}_2025_02`);
  assert.match((await pool.query(`SELECT conflag.run_scope_problem() AS p`)).rows[0].p, `policy recordings_runner_scope on ${calls.name}_2025_02 is missing`);
  const repaired = await migrate(databaseUrl());
  assert.equal(repaired.runScopePolicies, [`created policy recordings_runner_scope on ${calls.name}_2025_02`]);
});

test.run();
