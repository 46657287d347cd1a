// The next tick of each (crontab, time zone) pair after an instant, computed by the database
// (conflag.schedule_next_ticks, sql/functions/schedule_ticks.sql: Vixie cron's rules, conflag's DST rule,
// PostgreSQL's zone data), in one round trip. A pair the database refuses comes back with its reason instead.
import type pg from 'pg';

export interface Tick {
  /** The instant the tick is due; null when the schedule cannot run (see problem). */
  at: Date | null;
  /** The local slot it stands for ("2026-11-01T01:30-04:00"; no offset inside a spring-forward gap). */
  slot: string | null;
  /** Why there is no tick: the database's CF013 (schedule) or 22023 (zone) message. */
  problem: string | null;
}

export async function nextTicks(db: pg.ClientBase | pg.Pool, schedules: Array<{ crontab: string; timezone: string }>, after: Date): Promise<Tick[]> {
  if (schedules.length === 0) return [];
  const { rows } = await db.query<{ next_tick_at: Date | null; next_slot: string | null; problem: string | null }>(
    `SELECT next_tick_at, next_slot, problem FROM conflag.schedule_next_ticks($1::text[], $2::text[], $3) ORDER BY n`,
    [schedules.map((s) => s.crontab), schedules.map((s) => s.timezone), after],
  );
  return rows.map((r) => ({ at: r.next_tick_at, slot: r.next_slot, problem: r.problem }));
}
