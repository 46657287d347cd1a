// The scheduler across DST changes with a controllable clock, against real PostgreSQL and real pg-boss: two
// "runners" (each its own pool and pg-boss instance) fire due ticks at the same moments while a fake clock walks
// through both changes in America/New_York and Europe/Berlin. Every job must be enqueued exactly once per local
// calendar day, at the instant conflag's DST rule says.
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import * as assert from 'uvu/assert';
import { fireDueTicks } from '../../src/schedule/fireDueTicks.ts';
import { syncSchedules } from '../../src/schedule/syncSchedules.ts';
import { enqueueRun, ensureRunQueue, RUN_QUEUE, startBoss, type RunMessage } from '../../src/service/runQueue.ts';
import { closePools, databaseUrl, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { db, insertJob, log, runsOf, startTestService, stopAll, testConfig, waitFor } from './helpers.ts';

const test = suite('schedule: DST with a controllable clock');
const bosses: PgBoss[] = [];
test.after(async () => {
  await Promise.all(bosses.splice(0).map((b) => b.stop({ graceful: false })));
  await stopAll();
  await closePools();
});

const JOBS = [
  { name: 'ny 02:30', zone: 'America/New_York', schedule: '30 2 * * *' },
  { name: 'ny 01:30', zone: 'America/New_York', schedule: '30 1 * * *' },
  { name: 'berlin 02:30', zone: 'Europe/Berlin', schedule: '30 2 * * *' },
  { name: 'berlin daily', zone: 'Europe/Berlin', schedule: 'daily' },
];

/** Walks a fake clock from `from` to `to` in 30-minute steps; at each step both runners fire due ticks at once and
 * a worker stand-in drains the queue. Returns the enqueued runs per job. */
const pools: pg.Pool[] = [];

async function walk(from: string, to: string) {
  if (!pools.length) pools.push(openPool(), openPool());
  if (!bosses.length) {
    for (let i = 0; i < 2; i++) bosses.push(await startBoss({ databaseUrl: databaseUrl(), log }));
    await ensureRunQueue(bosses[0], testConfig());
  }
  const config = testConfig();
  await syncSchedules(pools[0], { now: new Date(from), log });
  const runs = new Map<number, Array<{ slot: string; tickAt: string }>>();
  for (let t = Date.parse(from); t <= Date.parse(to); t += 30 * 60_000) {
    const now = new Date(t);
    await Promise.all(
      pools.map((pool, i) =>
        fireDueTicks(pool, (client, tick) => enqueueRun(bosses[i], client, { jobId: tick.jobId, trigger: 'schedule', slot: tick.slot, tickAt: tick.tickAt.toISOString() }, { config, timeLimitMinutes: null }), { now, log }),
      ),
    );
    for (;;) {
      const jobs = await bosses[0].fetch<RunMessage>(RUN_QUEUE, { batchSize: 50 });
      if (!jobs.length) break;
      for (const job of jobs) {
        const list = runs.get(job.data.jobId) ?? [];
        list.push({ slot: job.data.slot!, tickAt: job.data.tickAt! });
        runs.set(job.data.jobId, list);
      }
      await bosses[0].complete(RUN_QUEUE, jobs.map((j) => j.id));
    }
  }
  return runs;
}

/** The local wall time of an instant as "2026-03-08T03:00" (Intl: an independent reading of the zone). */
function localTime(zone: string, at: Date): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
    .format(at).replace(' ', 'T');
}

function perDay(list: Array<{ tickAt: string }>, zone: string): Record<string, number> {
  const days: Record<string, number> = {};
  for (const { tickAt } of list) {
    const day = localTime(zone, new Date(tickAt)).slice(0, 10);
    days[day] = (days[day] ?? 0) + 1;
  }
  return days;
}

test('spring forward: each job runs once per local day; a 02:30 slot inside the gap runs at the end of the gap', async () => {
  const pool = db();
  await pool.query('DELETE FROM conflag.jobs');
  const ids: number[] = [];
  for (const job of JOBS) ids.push(await insertJob(pool, { name: job.name, schedule: job.schedule, timezone: job.zone }));
  const runs = await walk('2026-03-06T12:00Z', '2026-03-31T12:00Z');
  for (const [i, job] of JOBS.entries()) {
    const list = runs.get(ids[i]) ?? [];
    const days = perDay(list, job.zone);
    assert.ok(Object.keys(days).length >= 24, `${job.name}: ${JSON.stringify(days)}`);
    for (const [day, n] of Object.entries(days)) assert.is(n, 1, `${job.name} on ${day}`);
  }
  const at = (i: number, day: string) => runs.get(ids[i])!.find((r) => localTime(JOBS[i].zone, new Date(r.tickAt)).startsWith(day))!;
  assert.is(at(0, '2026-03-08').tickAt, '2026-03-08T07:00:00.000Z', 'New York 02:30 on 8 March: 03:00 EDT');
  assert.is(at(0, '2026-03-08').slot, '2026-03-08T02:30');
  assert.is(at(1, '2026-03-08').tickAt, '2026-03-08T06:30:00.000Z', 'New York 01:30 is not affected');
  assert.is(at(2, '2026-03-29').tickAt, '2026-03-29T01:00:00.000Z', 'Berlin 02:30 on 29 March: 03:00 CEST');
  assert.is(at(3, '2026-03-29').tickAt, '2026-03-28T23:00:00.000Z', 'Berlin midnight');
});

test('fall back: each job runs once per local day; a 01:30 / 02:30 slot in the repeated hour runs at its first occurrence', async () => {
  const pool = db();
  await pool.query('DELETE FROM conflag.jobs');
  const ids: number[] = [];
  for (const job of JOBS) ids.push(await insertJob(pool, { name: job.name, schedule: job.schedule, timezone: job.zone }));
  const runs = await walk('2026-10-22T12:00Z', '2026-11-04T12:00Z');
  for (const [i, job] of JOBS.entries()) {
    const days = perDay(runs.get(ids[i]) ?? [], job.zone);
    assert.ok(Object.keys(days).length >= 12, `${job.name}: ${JSON.stringify(days)}`);
    for (const [day, n] of Object.entries(days)) assert.is(n, 1, `${job.name} on ${day}`);
  }
  const at = (i: number, day: string) => runs.get(ids[i])!.find((r) => localTime(JOBS[i].zone, new Date(r.tickAt)).startsWith(day))!;
  assert.is(at(1, '2026-11-01').tickAt, '2026-11-01T05:30:00.000Z', 'New York 01:30 EDT, not again at 01:30 EST');
  assert.is(at(1, '2026-11-01').slot, '2026-11-01T01:30-04:00');
  assert.is(at(2, '2026-10-25').tickAt, '2026-10-25T00:30:00.000Z', 'Berlin 02:30 CEST, not again at 02:30 CET');
  assert.is(at(0, '2026-11-01').tickAt, '2026-11-01T07:30:00.000Z', 'New York 02:30 EST (after the repeated hour)');
});

test('job_schedules shows the next tick with its local slot', async () => {
  const pool = db();
  const { rows } = await pool.query<{ name: string; next_slot: string; timezone: string; last_slot: string }>(
    `SELECT j.name, s.next_slot, s.timezone, s.last_slot FROM conflag.job_schedules s JOIN conflag.jobs j ON j.id = s.job_id ORDER BY j.name`,
  );
  assert.equal(
    rows.map((r) => [r.name, r.timezone, r.last_slot, r.next_slot]),
    [
      ['berlin 02:30', 'Europe/Berlin', '2026-11-04T02:30+01:00', '2026-11-05T02:30+01:00'],
      ['berlin daily', 'Europe/Berlin', '2026-11-04T00:00+01:00', '2026-11-05T00:00+01:00'],
      ['ny 01:30', 'America/New_York', '2026-11-04T01:30-05:00', '2026-11-05T01:30-05:00'],
      ['ny 02:30', 'America/New_York', '2026-11-04T02:30-05:00', '2026-11-05T02:30-05:00'],
    ],
  );
  // Each row remembers the queued run of its last tick, and when it fired: the walk's clock stood on every tick
  // (all at :00 or :30), so it fired exactly at the tick.
  const fired = await pool.query<{ name: string; queued_for: string | null; fired_on_time: boolean }>(
    `SELECT j.name, q.data->>'jobId' || ' ' || (q.data->>'slot') AS queued_for, s.last_fired_at = s.last_tick_at AS fired_on_time
       FROM conflag.job_schedules s JOIN conflag.jobs j ON j.id = s.job_id
       LEFT JOIN conflag_boss.job q ON q.id::text = s.last_queue_job_id
      ORDER BY j.name`,
  );
  const ids = new Map((await pool.query<{ name: string; id: string }>('SELECT name, id::text FROM conflag.jobs')).rows.map((r) => [r.name, r.id]));
  assert.equal(
    fired.rows,
    rows.map((r) => ({ name: r.name, queued_for: `${ids.get(r.name)} ${r.last_slot}`, fired_on_time: true })),
  );
});

test("a runner's scheduler loop on a controllable clock runs a New York 02:30 job once on the spring-forward day, at 03:00 EDT", async () => {
  const pool = db();
  await pool.query('DELETE FROM conflag.jobs');
  let now = new Date('2026-03-07T12:00:00Z');
  const service = await startTestService({ now: () => now });
  const job = await insertJob(pool, { name: 'loop 02:30', schedule: '30 2 * * *', timezone: 'America/New_York' });
  await waitFor(async () => (await pool.query('SELECT 1 FROM conflag.job_schedules WHERE job_id = $1', [job])).rowCount, { what: 'the schedule' });
  const step = async (iso: string) => {
    now = new Date(iso);
    await service.loops.scheduler.runNow();
  };
  await step('2026-03-08T06:59:59Z'); // 01:59:59 EST: not yet
  assert.equal((await pool.query('SELECT last_slot, next_tick_at FROM conflag.job_schedules WHERE job_id = $1', [job])).rows[0], {
    last_slot: null,
    next_tick_at: new Date('2026-03-08T07:00:00Z'),
  });
  await step('2026-03-08T07:00:00Z'); // 03:00 EDT, the first instant after the gap: due
  await waitFor(async () => (await runsOf(pool, job)).some((r) => r.status === 'succeeded'), { what: 'the run of the 02:30 tick' });
  for (const iso of ['2026-03-08T07:30:00Z', '2026-03-08T08:00:00Z', '2026-03-08T20:00:00Z', '2026-03-09T06:29:00Z']) await step(iso);
  await step('2026-03-09T06:30:00Z'); // 02:30 EDT the next day
  await waitFor(async () => (await runsOf(pool, job)).filter((r) => r.status === 'succeeded').length === 2, { what: 'the next day run' });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await runsOf(pool, job)).map((r) => [r.trigger, r.status]), [['schedule', 'succeeded'], ['schedule', 'succeeded']]);
  const { rows } = await pool.query('SELECT last_slot, next_slot FROM conflag.job_schedules WHERE job_id = $1', [job]);
  assert.equal(rows[0], { last_slot: '2026-03-09T02:30-04:00', next_slot: '2026-03-10T02:30-04:00' });
});

test.run();
