// Every change to a job is kept in conflag.job_changes: who (current_user, also after SET ROLE), when, the row
// before and after; rows outlive the job and cannot be forged or edited.
import * as assert from 'uvu/assert';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { expectDatabaseError, insertJob, updateJob, validJob } from './expectDatabaseError.ts';

const test = suite('jobs: audit');
test.after(closePools);

async function changesOf(jobId: string) {
  const { rows } = await openPool().query(
    `SELECT operation, changed_by, changed_at, old_row, new_row FROM conflag.job_changes WHERE job_id = $1 ORDER BY id`,
    [jobId],
  );
  return rows;
}

test('insert, update and delete each leave one audit row with who, when, before and after', async () => {
  const client = await openPool().connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL ROLE conflag_admin');
    const { rows: [{ now: insertedAt }] } = await client.query('SELECT now()');
    const job = await insertJob(client, validJob({ name: 'audited' }));
    await client.query('COMMIT');
    const snapshot = async () => (await client.query('SELECT to_jsonb(j) AS row FROM conflag.jobs j WHERE id = $1', [job.id])).rows[0].row;
    const inserted = await snapshot();

    await updateJob(client, job.id, { schedule: 'hourly', enabled: false });
    const updated = await snapshot();
    const { rows: [{ me, now: deletedAt }] } = await client.query('BEGIN; SELECT current_user AS me, now()').then((r: any) => r[1]);
    await client.query('DELETE FROM conflag.jobs WHERE id = $1', [job.id]);
    await client.query('COMMIT');

    const changes = await changesOf(job.id);
    assert.equal(changes.map((c) => c.operation), ['INSERT', 'UPDATE', 'DELETE']);
    assert.equal(changes.map((c) => c.changed_by), ['conflag_admin', me, me]);
    assert.is(changes[0].changed_at.getTime(), insertedAt.getTime(), 'changed_at is the transaction time of the change');
    assert.is(changes[2].changed_at.getTime(), deletedAt.getTime());
    assert.is(changes[0].old_row, null);
    assert.equal(changes[0].new_row, inserted);
    assert.is(inserted.name, 'audited');
    assert.equal(changes[1].old_row, inserted);
    assert.equal(changes[1].new_row, updated);
    assert.is(changes[1].new_row.enabled, false);
    assert.is(changes[1].new_row.schedule, 'hourly');
    assert.equal(changes[2].old_row, changes[1].new_row);
    assert.is(changes[2].new_row, null);
    const gone = await client.query('SELECT 1 FROM conflag.jobs WHERE id = $1', [job.id]);
    assert.is(gone.rowCount, 0, 'the job is deleted, its audit rows remain');
  } finally {
    client.release();
  }
});

test('a multi-row update writes one audit row per job', async () => {
  const pool = openPool();
  const a = await insertJob(pool, validJob());
  const b = await insertJob(pool, validJob());
  await pool.query('UPDATE conflag.jobs SET log_enabled = true WHERE id = ANY ($1)', [[a.id, b.id]]);
  for (const job of [a, b]) {
    const changes = await changesOf(job.id);
    assert.equal(
      changes.map((c) => [c.operation, c.old_row?.log_enabled, c.new_row?.log_enabled]),
      [['INSERT', undefined, false], ['UPDATE', false, true]],
    );
  }
});

test('a refused change leaves no audit row', async () => {
  const pool = openPool();
  const job = await insertJob(pool, validJob());
  await expectDatabaseError(() => updateJob(pool, job.id, { mode: 'sometimes' }), { code: 'CF006', includes: ['jobs.mode'] });
  assert.is((await changesOf(job.id)).length, 1);
});

test('audit rows cannot be written directly or edited, even by a superuser', async () => {
  const pool = openPool();
  const job = await insertJob(pool, validJob());
  await expectDatabaseError(
    () => pool.query(`INSERT INTO conflag.job_changes (job_id, operation, new_row) VALUES ($1, 'UPDATE', '{}')`, [job.id]),
    { code: 'CF023', includes: ['job_changes', 'only by the trigger'] },
  );
  await expectDatabaseError(() => pool.query(`UPDATE conflag.job_changes SET changed_by = 'someone else' WHERE job_id = $1`, [job.id]), {
    code: 'CF023',
    includes: ['job_changes', 'cannot be changed'],
  });
  assert.is((await changesOf(job.id))[0].changed_by, (await pool.query('SELECT current_user AS u')).rows[0].u);
});

test.run();
