// Run now: conflag.request_run() from SQL and `conflag request` from the command line. A request is picked up
// within seconds (NOTIFY), also when NOTIFY is lost (polling) or when no runner was up at the time (the next one
// to start takes it); several runners take each request exactly once; the request learns its run's id.
import * as assert from 'uvu/assert';
import { main } from '../../src/cli/main.ts';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { db, insertJob, insertRecordings, runsOf, startTestService, stopAll, waitFor } from './helpers.ts';

const test = suite('runner: run now');
test.after(async () => {
  await stopAll();
  await closePools();
});

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const stdout = { write: (c: string) => ((out += c), true) } as unknown as NodeJS.WritableStream;
  const stderr = { write: (c: string) => ((err += c), true) } as unknown as NodeJS.WritableStream;
  const code = await main(args, { stdout, stderr });
  return { code, stdout: out, stderr: err };
}

interface RequestRow {
  id: string;
  picked_up_at: Date | null;
  requested_at: Date;
  run_id: string | null;
}

async function request(id: number | string): Promise<RequestRow> {
  return (await db().query<RequestRow>('SELECT id, requested_at, picked_up_at, run_id FROM conflag.run_requests WHERE id = $1', [id])).rows[0];
}

let early: { job: number; request: string };

test('without a runner, `conflag request --wait` gives up after its timeout and says why', async () => {
  const pool = db();
  await insertRecordings(pool, 30);
  const job = await insertJob(pool, { name: 'Early Bird' });
  const result = await cli(['request', 'early bird', '--wait', '--timeout', '1']);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stdout, /requested a run of job \d+ "Early Bird" \(request \d+\)/);
  assert.match(result.stderr, /no runner picked up request \d+ within 1 s/);
  const id = /request (\d+)\)/.exec(result.stdout)![1];
  assert.is((await request(id)).picked_up_at, null);
  early = { job, request: id };
});

test('a request made while no runner ran is picked up by the next runner to start', async () => {
  await startTestService();
  const row = await waitFor(async () => {
    const r = await request(early.request);
    return r.run_id ? r : undefined;
  }, { timeoutMs: 10_000, what: 'the early request to get a run' });
  const runs = await waitFor(async () => {
    const list = await runsOf(db(), early.job);
    return list[0]?.status === 'succeeded' ? list : undefined;
  }, { what: 'the early run to succeed' });
  assert.is(runs.length, 1);
  assert.is(runs[0].id, row.run_id);
  assert.is(runs[0].trigger, 'manual');
  assert.is(runs[0].request_id, early.request);
  assert.is(runs[0].changed, '10');
});

test('SELECT conflag.request_run(...) is picked up within seconds and records its run', async () => {
  const pool = db();
  const job = await insertJob(pool, { name: 'from sql', action: 'clear' });
  const { rows } = await pool.query<{ id: string }>(`SELECT conflag.request_run('from sql') AS id`);
  const row = await waitFor(async () => {
    const r = await request(rows[0].id);
    return r.run_id ? r : undefined;
  }, { timeoutMs: 5_000, what: 'the request to be picked up and run' });
  assert.ok(row.picked_up_at!.getTime() - row.requested_at.getTime() < 3_000, `picked up after ${row.picked_up_at!.getTime() - row.requested_at.getTime()} ms`);
  const runs = await waitFor(async () => {
    const list = await runsOf(pool, job);
    return list[0]?.status === 'succeeded' ? list : undefined;
  }, { what: 'the run to succeed' });
  assert.equal(runs.map((r) => [r.id, r.trigger, r.request_id]), [[row.run_id, 'manual', rows[0].id]]);
});

test('`conflag request <job> --wait` waits for the run and prints its result', async () => {
  const pool = db();
  const job = await insertJob(pool, { name: 'from the cli', condition: { all: [{ fact: 'duration', operator: 'greaterThan', value: 0 }] } });
  const result = await cli(['request', String(job), '--wait']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /requested a run of job \d+ "from the cli"/);
  assert.match(result.stdout, /run \d+ \(attempt 1\) succeeded: 30 matched, \d+ changed/);
  assert.is((await runsOf(pool, job)).length, 1);
});

test('`conflag request` for an unknown job fails with the database message', async () => {
  const result = await cli(['request', 'no such job']);
  assert.is(result.code, 1);
  assert.match(result.stderr, /no job is named "no such job"/);
  const usage = await cli(['request']);
  assert.is(usage.code, 2);
});

test('with NOTIFY lost, polling still picks requests up', async () => {
  const pool = db();
  const job = await insertJob(pool, { name: 'no notify' });
  await startTestService({ config: { requestPollIntervalMs: 1_000 } });
  await pool.query('ALTER TABLE conflag.run_requests DISABLE TRIGGER USER');
  try {
    const { rows } = await pool.query<{ id: string }>(`SELECT conflag.request_run('no notify') AS id`);
    const row = await waitFor(async () => {
      const r = await request(rows[0].id);
      return r.picked_up_at ? r : undefined;
    }, { timeoutMs: 8_000, what: 'polling to pick the request up' });
    assert.ok(row.picked_up_at);
    await waitFor(async () => (await runsOf(pool, job))[0]?.status === 'succeeded', { what: 'the run' });
  } finally {
    await pool.query('ALTER TABLE conflag.run_requests ENABLE TRIGGER USER');
  }
});

test('several runners take each of many requests exactly once', async () => {
  await stopAll();
  await startTestService();
  await startTestService();
  const pool = db();
  const jobs: number[] = [];
  for (let i = 0; i < 12; i++) jobs.push(await insertJob(pool, { name: `many ${i}` }));
  await pool.query(`SELECT conflag.request_run(j::text) FROM unnest($1::bigint[]) j`, [jobs]);
  await waitFor(async () => {
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM conflag.job_runs WHERE job_id = ANY($1) AND status <> 'running'`, [jobs]);
    return rows[0].n >= jobs.length;
  }, { timeoutMs: 15_000, what: 'a run per job' });
  await new Promise((r) => setTimeout(r, 1000));
  const { rows } = await pool.query(
    `SELECT r.job_id, count(*)::int AS runs, min(q.run_id) = min(r.id) AS linked
       FROM conflag.job_runs r JOIN conflag.run_requests q ON q.id = r.request_id
      WHERE r.job_id = ANY($1) GROUP BY r.job_id`,
    [jobs],
  );
  assert.is(rows.length, jobs.length);
  for (const row of rows) {
    assert.is(row.runs, 1, `job ${row.job_id}`);
    assert.ok(row.linked, `job ${row.job_id}: the request names its run`);
  }
});

test.run();
