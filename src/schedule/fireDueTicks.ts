// Fires the scheduled ticks that are due: for each conflag.job_schedules row with next_tick_at <= now, enqueue a
// run and move next_tick_at to the following tick, in one transaction. Rows are claimed FOR UPDATE SKIP LOCKED
// and the tick moves forward in the same commit as the enqueue, so with any number of runners each tick is
// enqueued exactly once. After downtime, the ticks missed meanwhile collapse into one run (the earliest missed
// slot is the one recorded) rather than a burst.
import type pg from 'pg';
import type { Logger } from '../log.ts';
import { nextTicks } from './nextTicks.ts';

export interface DueTick {
  jobId: number;
  slot: string;
  tickAt: Date;
  timeLimitMinutes: number | null;
}

/** Enqueues one tick's run on the given connection (inside the caller's transaction); null = merged. */
export type EnqueueTick = (client: pg.ClientBase, tick: DueTick) => Promise<string | null>;

export interface FiredTick extends DueTick {
  queueJobId: string | null;
  next: { at: Date; slot: string } | null;
}

export interface FireResult {
  fired: FiredTick[];
  /** The earliest next_tick_at left (so the loop can sleep until then), or null with no schedules. */
  nextDueAt: Date | null;
  /** The clock the pass used. */
  now: Date;
}

export async function fireDueTicks(
  pool: pg.Pool,
  enqueue: EnqueueTick,
  options: { now?: Date; limit?: number; log: Logger },
): Promise<FireResult> {
  const limit = options.limit ?? 100;
  const fired: FiredTick[] = [];
  const client = await pool.connect();
  try {
    const now = options.now ?? (await client.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0].now;
    for (;;) {
      await client.query('BEGIN');
      try {
        const batch = await fireBatch(client, enqueue, now, limit, options.log);
        await client.query('COMMIT');
        fired.push(...batch);
        if (batch.length < limit) break;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    }
    const { rows } = await client.query<{ at: Date | null }>('SELECT min(next_tick_at) AS at FROM conflag.job_schedules');
    return { fired, nextDueAt: rows[0].at, now };
  } finally {
    client.release();
  }
}

async function fireBatch(client: pg.PoolClient, enqueue: EnqueueTick, now: Date, limit: number, log: Logger): Promise<FiredTick[]> {
  // Only jobs still enabled with the crontab the row was computed from: a change not yet synced must not fire a
  // stale tick (the sync that follows the change recomputes the row).
  const { rows } = await client.query<{
    job_id: string;
    crontab: string;
    timezone: string;
    next_tick_at: Date;
    next_slot: string;
    time_limit: number | null;
  }>(
    `SELECT s.job_id, s.crontab, s.timezone, s.next_tick_at, s.next_slot, j.execution_time_limit_minutes AS time_limit
       FROM conflag.job_schedules s
       JOIN conflag.jobs j ON j.id = s.job_id
      WHERE s.next_tick_at <= $1 AND j.enabled AND conflag.crontab_of(j.schedule) = s.crontab
      ORDER BY s.next_tick_at
      LIMIT $2
        FOR UPDATE OF s SKIP LOCKED`,
    [now, limit],
  );
  const fired: FiredTick[] = [];
  // The ticks after these, all in one round trip (the database's crontab and zone rules, conflag.schedule_ticks).
  const following = await nextTicks(client, rows, now);
  for (const [i, row] of rows.entries()) {
    const tick: DueTick = { jobId: Number(row.job_id), slot: row.next_slot, tickAt: row.next_tick_at, timeLimitMinutes: row.time_limit };
    const { at, slot, problem } = following[i];
    const next = at && slot ? { at, slot } : null;
    if (!next) log.error({ job: tick.jobId, crontab: row.crontab, timezone: row.timezone, problem }, 'cannot compute the next tick');
    const queueJobId = await enqueue(client, tick);
    if (now.getTime() - row.next_tick_at.getTime() > 60_000) {
      log.warn(
        { job: tick.jobId, slot: tick.slot, dueAt: row.next_tick_at, now },
        'scheduled tick fired late (no runner was firing ticks); ticks missed meanwhile are merged into this run',
      );
    }
    fired.push({ ...tick, queueJobId, next });
  }
  await moveSchedules(client, fired, now);
  return fired;
}

/** Moves every fired schedule to its next tick (or drops it when there is none), in one statement per batch. */
async function moveSchedules(client: pg.PoolClient, fired: FiredTick[], now: Date): Promise<void> {
  const moved = fired.filter((t) => t.next);
  if (moved.length) {
    await client.query(
      `UPDATE conflag.job_schedules s
          SET last_tick_at = s.next_tick_at, last_slot = s.next_slot, last_fired_at = $2, last_queue_job_id = f.queue_job_id,
              next_tick_at = f.next_at, next_slot = f.next_slot
         FROM unnest($1::bigint[], $3::text[], $4::timestamptz[], $5::text[]) AS f (job_id, queue_job_id, next_at, next_slot)
        WHERE s.job_id = f.job_id`,
      [moved.map((t) => t.jobId), now, moved.map((t) => t.queueJobId), moved.map((t) => t.next!.at), moved.map((t) => t.next!.slot)],
    );
  }
  const ended = fired.filter((t) => !t.next).map((t) => t.jobId);
  if (ended.length) await client.query('DELETE FROM conflag.job_schedules WHERE job_id = ANY ($1::bigint[])', [ended]);
}
