// Tenants isolated twice: the compiled predicate, and row-level security on the recordings table for the runner
// role. As a real login holding only conflag_runner: a direct UPDATE of a recording is refused; a run writes its
// job's tenants; a run whose predicate is deliberately broken (a test-only hook drops the scope from it) is stopped
// by row-level security the moment it would write another tenant's recording — loudly, its batch rolled back.
import * as assert from 'uvu/assert';
import { executeRun } from '../../src/run/executeRun.ts';
import { closePools, openPool } from '../lib/db.ts';
import { createLoginRole, type LoginRole } from '../lib/loginRole.ts';
import { suite } from '../lib/suite.ts';
import { confidentialIds, insertJob, insertRecordings, insertTenants, longCalls, rejection, resetRunData, runRow } from './fixtures.ts';

const test = suite('run: row-level security');
const roles: LoginRole[] = [];
let runner: LoginRole;
test.before(async () => {
  runner = await createLoginRole('rls', ['conflag_runner']);
  roles.push(runner);
});
test.before.each(() => resetRunData(openPool()));
test.after(async () => {
  await closePools();
  for (const role of roles.splice(0)) await role.drop();
});

test('the runner login may not update a recording outside a run', async () => {
  const admin = openPool();
  await insertTenants(admin, 'tb');
  await insertRecordings(admin, 3, { tenant: 'tb' });
  const asRunner = openPool(runner.url);
  const refused = await rejection(asRunner.query(`UPDATE conflag.recordings SET confidential = true WHERE tenant_id = 'tb'`));
  assert.is(refused.code, '42501');
  assert.match(refused.message, 'row-level security');
  assert.equal(await confidentialIds(admin), []);
  const other = await rejection(asRunner.query(`SELECT conflag.enter_run_scope(999999)`));
  assert.is(other.code, 'CF304', 'no scope of a run that is not running');
});

test('a run as the runner login writes its own tenants; with a broken predicate, RLS stops it at the other tenant', async () => {
  const admin = openPool();
  await insertTenants(admin, 'ta', 'tb');
  const a = await insertRecordings(admin, 20, { tenant: 'ta', duration: () => 9000, perBlock: 10 });
  const b = await insertRecordings(admin, 20, { tenant: 'tb', duration: () => 9000, perBlock: 10 });
  const jobId = await insertJob(admin, { name: 'ta only', condition: longCalls, access_scope: ['ta'] });
  const asRunner = openPool(runner.url, { max: 3 });

  const broken = await executeRun(asRunner, jobId, { trigger: 'manual', parallelism: 1, batchUnits: 1, testOnlyIgnoreScope: true });
  assert.is(broken.status, 'failed');
  assert.match(broken.error!, 'new row violates row-level security policy');
  assert.match(broken.error!, 'SQLSTATE 42501');
  assert.equal(await confidentialIds(admin, 'tb'), [], 'not one recording of tenant tb was written');
  assert.equal(await confidentialIds(admin, 'ta'), a, 'the batches of ta before it stay applied');
  assert.is((await runRow(admin, broken.runId)).status, 'failed');

  await admin.query(`UPDATE conflag.recordings SET confidential = false`);
  const fine = await executeRun(asRunner, jobId, { trigger: 'manual' });
  assert.is(fine.status, 'succeeded', fine.error);
  assert.equal(await confidentialIds(admin), a);
  assert.ok(b.length === 20);
});

test('a run of a job without a scope (every tenant) writes every tenant as the runner login', async () => {
  const admin = openPool();
  await insertTenants(admin, 'ta', 'tb');
  const a = await insertRecordings(admin, 5, { tenant: 'ta', duration: () => 9000 });
  const b = await insertRecordings(admin, 5, { tenant: 'tb', duration: () => 9000 });
  const jobId = await insertJob(admin, { name: 'everyone', condition: longCalls });
  const result = await executeRun(openPool(runner.url), jobId, { trigger: 'manual' });
  assert.is(result.status, 'succeeded', result.error);
  assert.equal(await confidentialIds(admin), [...a, ...b]);
});

test.run();
