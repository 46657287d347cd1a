// A tenant named in a job's access_scope cannot be deleted, renamed or truncated away (CF020).
import * as assert from 'uvu/assert';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { expectDatabaseError, insertJob, updateJob, validJob } from './expectDatabaseError.ts';

const test = suite('jobs: tenants in access_scope');
test.after(closePools);

test('delete, rename and truncate of a scoped tenant are refused naming tenant and jobs', async () => {
  const pool = openPool();
  await pool.query(`INSERT INTO conflag.tenants (id, name) VALUES ('acme', 'Acme'), ('globex', 'Globex'), ('spare', 'Spare')`);
  const job = await insertJob(pool, validJob({ name: 'acme only', access_scope: ['acme'] }));
  await expectDatabaseError(() => pool.query(`DELETE FROM conflag.tenants WHERE id = 'acme'`), {
    code: 'CF020',
    includes: ['tenants.id', '"acme"', 'deleted', `${job.id} ("acme only")`],
  });
  await expectDatabaseError(() => pool.query(`UPDATE conflag.tenants SET id = 'acme-gmbh' WHERE id = 'acme'`), {
    code: 'CF020',
    includes: ['tenants.id', '"acme"', 'renamed', '"acme only"'],
  });
  await expectDatabaseError(() => pool.query(`TRUNCATE conflag.tenants CASCADE`), { code: 'CF020', includes: ['tenants', '"acme only"'] });

  await pool.query(`UPDATE conflag.tenants SET name = 'Acme GmbH' WHERE id = 'acme'`);
  await pool.query(`DELETE FROM conflag.tenants WHERE id = 'spare'`);
  await updateJob(pool, job.id, { access_scope: ['globex'] });
  await pool.query(`DELETE FROM conflag.tenants WHERE id = 'acme'`);
  const { rows } = await pool.query(`SELECT id FROM conflag.tenants ORDER BY id`);
  assert.equal(rows.map((r) => r.id), ['default', 'globex']);
});

test('a job with access_scope NULL (all tenants) does not pin any tenant', async () => {
  const pool = openPool();
  await pool.query(`INSERT INTO conflag.tenants (id, name) VALUES ('initech', 'Initech')`);
  await insertJob(pool, validJob({ access_scope: null }));
  const { rowCount } = await pool.query(`DELETE FROM conflag.tenants WHERE id = 'initech'`);
  assert.is(rowCount, 1);
});

test.run();
