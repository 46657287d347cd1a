// NOTIFY conflag_jobs on every job change, and conflag.request_run() with NOTIFY conflag_run_requests.
import * as assert from 'uvu/assert';
import pg from 'pg';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { expectDatabaseError, insertJob, updateJob, validJob } from './expectDatabaseError.ts';

const test = suite('jobs: NOTIFY and request_run');
let listener: pg.Client;
const received: Record<string, unknown[]> = { conflag_jobs: [], conflag_run_requests: [] };

test.before(async () => {
  listener = new pg.Client({ connectionString: databaseUrl() });
  await listener.connect();
  listener.on('notification', (n) => received[n.channel]?.push(JSON.parse(n.payload ?? 'null')));
  await listener.query('LISTEN conflag_jobs');
  await listener.query('LISTEN conflag_run_requests');
});
test.after(async () => {
  await listener?.end();
  await closePools();
});

/** Waits until `count` notifications arrived on the channel (they are delivered after commit). */
async function waitFor(channel: string, count: number): Promise<unknown[]> {
  for (let i = 0; i < 200 && received[channel].length < count; i++) await new Promise((r) => setTimeout(r, 10));
  return received[channel].splice(0);
}

test('insert, update and delete of a job notify conflag_jobs with op and id', async () => {
  const pool = openPool();
  const job = await insertJob(pool, validJob());
  await updateJob(pool, job.id, { enabled: false });
  await pool.query('DELETE FROM conflag.jobs WHERE id = $1', [job.id]);
  const id = Number(job.id);
  assert.equal(await waitFor('conflag_jobs', 3), [
    { op: 'INSERT', id },
    { op: 'UPDATE', id },
    { op: 'DELETE', id },
  ]);
});

test('the payload is exactly {"op":"...","id":N}, and nothing is sent for a rolled-back or refused change', async () => {
  const pool = openPool();
  const raw: string[] = [];
  const onRaw = (n: pg.Notification) => n.channel === 'conflag_jobs' && raw.push(n.payload ?? '');
  listener.on('notification', onRaw);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await insertJob(client, validJob());
    await client.query('ROLLBACK');
  } finally {
    client.release();
  }
  await expectDatabaseError(() => insertJob(pool, validJob({ action: 'flip' })), { code: 'CF007', includes: ['jobs.action'] });
  const job = await insertJob(pool, validJob());
  assert.equal(await waitFor('conflag_jobs', 1), [{ op: 'INSERT', id: Number(job.id) }]);
  listener.off('notification', onRaw);
  assert.equal(raw, [`{"op":"INSERT","id":${job.id}}`]);
});

test('request_run takes a name in any case or an id, returns the request id and notifies the runner', async () => {
  const pool = openPool();
  const job = await insertJob(pool, validJob({ name: 'Nightly Clean-Up', enabled: false }));
  const byName = (await pool.query('SELECT conflag.request_run($1) AS id', ['nightly clean-up'])).rows[0].id;
  const byId = (await pool.query('SELECT conflag.request_run($1) AS id', [` ${job.id} `])).rows[0].id;
  assert.ok(Number(byId) > Number(byName));
  assert.equal(await waitFor('conflag_run_requests', 2), [
    { request_id: Number(byName), job_id: Number(job.id) },
    { request_id: Number(byId), job_id: Number(job.id) },
  ]);
  const { rows } = await pool.query(
    `SELECT id, job_id, requested_by = current_user AS by_me, picked_up_at, run_id FROM conflag.run_requests ORDER BY id`,
  );
  assert.equal(rows, [
    { id: byName, job_id: job.id, by_me: true, picked_up_at: null, run_id: null },
    { id: byId, job_id: job.id, by_me: true, picked_up_at: null, run_id: null },
  ]);
});

test('request_run prefers a job named like a number over the job with that id', async () => {
  const pool = openPool();
  const first = await insertJob(pool, validJob());
  const named = await insertJob(pool, validJob({ name: String(first.id) }));
  const id = (await pool.query('SELECT conflag.request_run($1) AS id', [String(first.id)])).rows[0].id;
  const { rows } = await pool.query('SELECT job_id FROM conflag.run_requests WHERE id = $1', [id]);
  assert.is(rows[0].job_id, named.id);
  await waitFor('conflag_run_requests', 1);
});

test('request_run of an unknown job fails with CF030 naming it; requests go with their job', async () => {
  const pool = openPool();
  for (const name of ['no such job', '999999', '', null]) {
    await expectDatabaseError(() => pool.query('SELECT conflag.request_run($1)', [name]), {
      code: 'CF030',
      includes: ['request_run', name === null ? 'NULL' : JSON.stringify(name)],
    });
  }
  const job = await insertJob(pool, validJob());
  await pool.query('SELECT conflag.request_run($1)', [job.name]);
  await pool.query('DELETE FROM conflag.jobs WHERE id = $1', [job.id]);
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM conflag.run_requests WHERE job_id = $1', [job.id]);
  assert.is(rows[0].n, 0);
  await waitFor('conflag_run_requests', 1);
});

test.run();
