// Schedules follow conflag.jobs without a restart: a DBA's INSERT, UPDATE and DELETE take effect within seconds
// through NOTIFY (the periodic reconcile is set to an hour here, so it cannot be what helps), also after the LISTEN
// connection was killed; settings.default_timezone changes reach jobs without a timezone at the next reconcile;
// several runners syncing at once agree; and a due tick becomes exactly one run.
import * as assert from 'uvu/assert';
import { closePools } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import type { Service } from '../../src/service/startService.ts';
import { db, insertJob, insertRecordings, runsOf, startTestService, stopAll, waitFor } from './helpers.ts';

const test = suite('runner: schedule sync');
test.after(async () => {
  await stopAll();
  await closePools();
});

interface ScheduleRow {
  crontab: string;
  timezone: string;
  next_tick_at: Date;
  next_slot: string;
}

async function scheduleOf(jobId: number): Promise<ScheduleRow | undefined> {
  const { rows } = await db().query<ScheduleRow>('SELECT crontab, timezone, next_tick_at, next_slot FROM conflag.job_schedules WHERE job_id = $1', [jobId]);
  return rows[0];
}

const SECONDS = 5_000;

let service: Service;

test('INSERT of a scheduled job creates its schedule within seconds, in the job timezone', async () => {
  service = await startTestService();
  const pool = db();
  const started = Date.now();
  const id = await insertJob(pool, { name: 'every five minutes', schedule: '*/5 * * * *', timezone: 'Europe/Berlin' });
  const row = await waitFor(() => scheduleOf(id), { timeoutMs: SECONDS, what: 'the schedule row' });
  assert.ok(Date.now() - started < SECONDS);
  assert.is(row.crontab, '*/5 * * * *');
  assert.is(row.timezone, 'Europe/Berlin');
  const expected = Math.ceil((started - 1000) / 300_000) * 300_000;
  assert.ok(Math.abs(row.next_tick_at.getTime() - expected) <= 5 * 60_000, `${row.next_tick_at.toISOString()}`);
  assert.is(row.next_tick_at.getUTCMinutes() % 5, 0);
  // A manual job gets no schedule.
  const manual = await insertJob(pool, { name: 'by hand' });
  await service.loops.jobSync.runNow();
  assert.is(await scheduleOf(manual), undefined);
});

test('UPDATE of schedule or timezone reschedules; disable, manual and DELETE remove the schedule; enable restores it', async () => {
  const pool = db();
  const id = await insertJob(pool, { name: 'changing', schedule: 'hourly', timezone: 'America/New_York' });
  await waitFor(() => scheduleOf(id), { timeoutMs: SECONDS, what: 'the schedule row' });
  await pool.query(`UPDATE conflag.jobs SET schedule = 'daily' WHERE id = $1`, [id]);
  let row = await waitFor(async () => ((await scheduleOf(id))?.crontab === '0 0 * * *' ? scheduleOf(id) : undefined), { timeoutMs: SECONDS, what: 'daily' });
  assert.match(row!.next_slot, /T00:00-0[45]:00$/);
  await pool.query(`UPDATE conflag.jobs SET timezone = 'Asia/Tokyo' WHERE id = $1`, [id]);
  row = await waitFor(async () => ((await scheduleOf(id))?.timezone === 'Asia/Tokyo' ? scheduleOf(id) : undefined), { timeoutMs: SECONDS, what: 'Tokyo' });
  assert.is(row!.next_tick_at.getUTCHours(), 15, 'midnight in Tokyo is 15:00 UTC');
  assert.match(row!.next_slot, /T00:00\+09:00$/);

  await pool.query(`UPDATE conflag.jobs SET enabled = false WHERE id = $1`, [id]);
  await waitFor(async () => !(await scheduleOf(id)), { timeoutMs: SECONDS, what: 'removal after disable' });
  await pool.query(`UPDATE conflag.jobs SET enabled = true WHERE id = $1`, [id]);
  await waitFor(() => scheduleOf(id), { timeoutMs: SECONDS, what: 'the schedule after enable' });
  await pool.query(`UPDATE conflag.jobs SET schedule = 'manual' WHERE id = $1`, [id]);
  await waitFor(async () => !(await scheduleOf(id)), { timeoutMs: SECONDS, what: 'removal after manual' });
  await pool.query(`UPDATE conflag.jobs SET schedule = '15,45 * * * *' WHERE id = $1`, [id]);
  await waitFor(() => scheduleOf(id), { timeoutMs: SECONDS, what: 'the schedule after a crontab' });
  await pool.query(`DELETE FROM conflag.jobs WHERE id = $1`, [id]);
  await waitFor(async () => !(await scheduleOf(id)), { timeoutMs: SECONDS, what: 'removal after DELETE' });
});

test('an UPDATE that leaves schedule and timezone alone keeps the next tick', async () => {
  const pool = db();
  const id = await insertJob(pool, { name: 'stable', schedule: '0 3 * * *', timezone: 'UTC' });
  await waitFor(() => scheduleOf(id), { timeoutMs: SECONDS, what: 'the schedule row' });
  await pool.query(`UPDATE conflag.job_schedules SET next_tick_at = '2031-01-01 03:00+00' WHERE job_id = $1`, [id]);
  await pool.query(`UPDATE conflag.jobs SET log_enabled = true WHERE id = $1`, [id]);
  await service.loops.jobSync.runNow();
  await service.loops.reconcile.runNow();
  assert.is((await scheduleOf(id))!.next_tick_at.toISOString(), '2031-01-01T03:00:00.000Z');
});

test('a killed LISTEN connection reconnects; changes made meanwhile are picked up', async () => {
  const pool = db();
  const killed = await pool.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'conflag-listener' AND datname = current_database()`);
  assert.equal(killed.rows, [{ ok: true }], 'exactly one LISTEN connection was there to kill');
  const id = await insertJob(pool, { name: 'while reconnecting', schedule: 'weekly' });
  await waitFor(() => scheduleOf(id), { timeoutMs: 10_000, what: 'the schedule after the listener reconnected' });
  await waitFor(async () => (await pool.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'conflag-listener' AND datname = current_database()`)).rowCount, {
    what: 'the listener to be connected again',
  });
});

test('settings.default_timezone applies to jobs without a timezone at the next reconcile', async () => {
  const pool = db();
  const id = await insertJob(pool, { name: 'default zone', schedule: 'daily' });
  await waitFor(() => scheduleOf(id), { timeoutMs: SECONDS, what: 'the schedule row' });
  await pool.query(`UPDATE conflag.settings SET default_timezone = 'Australia/Sydney'`);
  await service.loops.reconcile.runNow();
  const row = (await scheduleOf(id))!;
  assert.is(row.timezone, 'Australia/Sydney');
  assert.match(row.next_slot, /T00:00\+1[01]:00$/);
  await pool.query(`UPDATE conflag.settings SET default_timezone = NULL`);
});

test('several runners syncing the same changes agree: one row per job, same next tick', async () => {
  const services = [service, await startTestService(), await startTestService()];
  const pool = db();
  const ids: number[] = [];
  for (let i = 0; i < 15; i++) ids.push(await insertJob(pool, { name: `burst ${i}`, schedule: `${i} * * * *` }));
  await waitFor(async () => (await pool.query('SELECT 1 FROM conflag.job_schedules WHERE job_id = ANY($1)', [ids])).rowCount === ids.length, {
    timeoutMs: SECONDS,
    what: 'all 15 schedules',
  });
  const before = (await pool.query('SELECT job_id, next_tick_at, synced_at FROM conflag.job_schedules WHERE job_id = ANY($1) ORDER BY job_id', [ids])).rows;
  await Promise.all(services.flatMap((s) => [s.loops.reconcile.runNow(), s.loops.jobSync.runNow()]));
  const after = (await pool.query('SELECT job_id, next_tick_at, synced_at FROM conflag.job_schedules WHERE job_id = ANY($1) ORDER BY job_id', [ids])).rows;
  assert.equal(after, before, 'reconciling again changes nothing');
  for (const [i, row] of before.entries()) assert.is(row.next_tick_at.getUTCMinutes(), i);
  // Real-clock schedules: left in place, one would fire at the next full hour and flag later tests' recordings.
  await pool.query('DELETE FROM conflag.jobs WHERE id = ANY($1)', [ids]);
});

test('a due tick becomes exactly one scheduled run, even with several runners', async () => {
  const pool = db();
  // Only this job may run here: any other scheduled job whose real-clock tick comes would flag these recordings.
  await pool.query('UPDATE conflag.jobs SET enabled = false');
  await insertRecordings(pool, 30);
  const id = await insertJob(pool, { name: 'due now', schedule: '0 4 29 2 *' }); // due only because the test says so
  await waitFor(() => scheduleOf(id), { timeoutMs: SECONDS, what: 'the schedule row' });
  await pool.query(`UPDATE conflag.job_schedules SET next_tick_at = now() - interval '1 second', next_slot = 'test slot' WHERE job_id = $1`, [id]);
  const runs = await waitFor(async () => {
    const list = await runsOf(pool, id);
    return list.length && list.every((r) => r.status !== 'running') ? list : undefined;
  }, { timeoutMs: 10_000, what: 'the scheduled run' });
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await runsOf(pool, id)).map((r) => [r.trigger, r.status, r.changed]), [['schedule', 'succeeded', '10']]);
  assert.is(runs.length, 1);
  const row = (await pool.query('SELECT last_slot, next_tick_at FROM conflag.job_schedules WHERE job_id = $1', [id])).rows[0];
  assert.is(row.last_slot, 'test slot');
  assert.ok(row.next_tick_at.getTime() > Date.now(), 'the next tick is in the future');
});

test.run();
