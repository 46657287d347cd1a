// Fair queues (issue 10). Before: `SELECT count(conflag.request_run('x')) FROM generate_series(1, 10000)` queued
// 10 000 runs, drained at about one a second, and a per-minute job elsewhere got no run for two minutes. Now
// requests for a job coalesce into one queued run that answers them all, and ticks go before requests.
// 1. While a tick waits for a worker, conflag_schedule_overdue_seconds rises and conflag_schedule_ticks_waiting
//    counts it; both fall back to 0 once it runs.
// 2. 5 000 requests for one job, while sixteen other jobs keep a backlog of requested runs and a per-minute job
//    ticks (real clock): one runner with ONE worker, and every tick still starts within 10 s of its time.
import * as assert from 'uvu/assert';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { db, insertJob, insertRecordings, lockMatchingRecording, spawnRunner, startTestService, stopAll, waitFor } from '../service/helpers.ts';

const test = suite('crash: a flood of run requests');
test.after(async () => {
  await stopAll();
  await closePools();
});

const TICKS = Number(process.env.CONFLAG_FLOOD_TICKS || 2);

test('while a fired tick waits for a worker, conflag_schedule_overdue_seconds rises and conflag_schedule_ticks_waiting counts it', async () => {
  const pool = db();
  await insertRecordings(pool, 40_000);
  const service = await startTestService({ config: { concurrency: 1 } });
  const busy = await insertJob(pool, { name: 'hogging the worker' });
  // Feb 29: due only when the test says so.
  const ticking = await insertJob(pool, { name: 'waiting tick', schedule: '9 4 29 2 *' });
  await waitFor(async () => (await pool.query('SELECT 1 FROM conflag.job_schedules WHERE job_id = $1', [ticking])).rowCount, { what: 'the schedule' });
  const gauges = async () => {
    const text = await service.metrics.metrics.render();
    const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    return { overdue: read('conflag_schedule_overdue_seconds'), waiting: read('conflag_schedule_ticks_waiting') };
  };
  const lock = await lockMatchingRecording(pool);
  let whileWaiting;
  try {
    await pool.query(`SELECT conflag.request_run('hogging the worker')`);
    await waitFor(async () => (await pool.query(`SELECT 1 FROM conflag.job_runs WHERE job_id = $1 AND status = 'running'`, [busy])).rowCount, { what: 'the worker to be busy' });
    assert.equal(await gauges(), { overdue: 0, waiting: 0 });
    await pool.query(`UPDATE conflag.job_schedules SET next_tick_at = now() - interval '1 second' WHERE job_id = $1`, [ticking]);
    await service.loops.scheduler.runNow();
    await new Promise((r) => setTimeout(r, 2_500));
    whileWaiting = await gauges();
    assert.is(whileWaiting.waiting, 1);
    assert.ok(whileWaiting.overdue >= 2.5, `overdue while the tick waits: ${whileWaiting.overdue}`);
  } finally {
    await lock.release();
  }
  await waitFor(async () => (await pool.query(`SELECT 1 FROM conflag.job_runs WHERE job_id = $1 AND status = 'succeeded'`, [ticking])).rowCount, { what: 'the tick to run' });
  assert.equal(await gauges(), { overdue: 0, waiting: 0 });
  console.log(`figures: a tick waiting for the one busy worker: conflag_schedule_overdue_seconds ${whileWaiting.overdue.toFixed(1)}, conflag_schedule_ticks_waiting ${whileWaiting.waiting}; 0 and 0 once it ran`);
  await stopAll();
  await pool.query('DELETE FROM conflag.jobs');
  await pool.query('UPDATE conflag.recordings SET confidential = false WHERE confidential');
});


test(`5 000 requests for one job and other jobs' backlog: each of ${TICKS} per-minute ticks starts within 10 s`, async () => {
  const pool = db();
  const flooded = await insertJob(pool, { name: 'flooded' });
  const others: number[] = [];
  for (let i = 0; i < 16; i++) others.push(await insertJob(pool, { name: `backlog ${i}`, condition: { all: [{ fact: 'duration', operator: 'lessThan', value: 100 + i }] } }));
  // One worker: a tick can only start before the queued requests if the queue puts it first.
  const runner = await spawnRunner({ CONFLAG_CONCURRENCY: '1', LOG_LEVEL: 'warn' });
  const started = Date.now();
  const { rows: [flood] } = await pool.query(`SELECT count(conflag.request_run('flooded'))::int AS n FROM generate_series(1, 5000)`);
  assert.is(flood.n, 5000);
  const ticking = await insertJob(pool, { name: 'every minute', schedule: '* * * * *', condition: { all: [{ fact: 'duration', operator: 'greaterThan', value: 1000 }] } });
  // Keep the other jobs' requests coming (and a few more for the flooded one) until the ticks are in.
  let feeding = true;
  let fed = 0;
  const feeder = (async () => {
    while (feeding) {
      await pool.query(`SELECT conflag.request_run(j::text) FROM unnest($1::bigint[]) j`, [[...others, flooded]]);
      fed += others.length + 1;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  })();
  let ticks: Array<{ due: Date; started_at: Date; late: number; waiting: number }> = [];
  try {
    ticks = await waitFor(async () => {
      const { rows } = await pool.query(
        `SELECT date_trunc('minute', started_at) AS due, started_at, extract(epoch FROM started_at - date_trunc('minute', started_at))::float8 AS late
           FROM conflag.job_runs WHERE job_id = $1 AND trigger = 'schedule' ORDER BY id`,
        [ticking],
      );
      return rows.length >= TICKS ? rows : undefined;
    }, { timeoutMs: (TICKS + 1) * 60_000 + 15_000, intervalMs: 1_000, what: `${TICKS} ticks` });
  } finally {
    feeding = false;
    await feeder;
  }
  const { rows: [backlog] } = await pool.query(`SELECT count(*)::int AS n FROM conflag_boss.job WHERE name = 'conflag-run' AND state = 'created'`);
  await waitFor(async () => (await pool.query(`SELECT 1 FROM conflag.run_requests WHERE job_id = $1 AND run_id IS NULL`, [flooded])).rowCount === 0, {
    timeoutMs: 60_000, what: 'every request for the flooded job to be answered',
  });
  const { rows: [answered] } = await pool.query(
    `SELECT count(*)::int AS requests, count(DISTINCT run_id)::int AS runs FROM conflag.run_requests WHERE job_id = $1`,
    [flooded],
  );
  const seconds = (Date.now() - started) / 1000;
  console.log(`figures: request flood: ${5000 + fed} requests (${answered.requests} for the flooded job, answered by ${answered.runs} runs) in ${seconds.toFixed(0)} s, ` +
    `one worker, ${backlog.n} runs still queued at the end; ${ticks.length} per-minute ticks started ${ticks.map((t) => `${t.late.toFixed(1)} s`).join(', ')} after their time`);
  for (const tick of ticks) assert.ok(tick.late < 10, `the tick due ${tick.due.toISOString()} started ${tick.late} s late`);
  assert.ok(answered.runs < 100, `requests coalesce: ${answered.requests} requests, ${answered.runs} runs`);
  runner.child.kill('SIGTERM');
  assert.is(await runner.exited, 0);
});

test.run();
