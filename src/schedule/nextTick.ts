// When a crontab is next due in a time zone, with conflag's daylight-saving rule instead of pg-boss's.
//
// pg-boss asks "did the expression match within the last minute?", which in a zone with DST never matches a
// daily 02:30 on the spring-forward day and matches a daily 01:30 twice on the fall-back day. conflag decides
// ticks here instead (docs/operations.md, "Schedules and daylight saving time"):
//   - A crontab with specific hours (daily, weekly, monthly, "30 2 * * *", "0 8-17 * * *") names wall-clock
//     slots on calendar days; each slot runs exactly once: a slot that does not exist that day (inside a
//     spring-forward gap) runs at the first instant after the gap, and a slot that occurs twice (inside a
//     fall-back hour) runs at its first occurrence only.
//   - A crontab that runs in every hour ("*/5 * * * *", hourly) follows real time, like cron does for wildcard
//     jobs: it runs at every instant whose local time matches, so a repeated hour is run again and a skipped hour
//     is skipped, and the interval between runs stays even.
// Wall-clock slots are enumerated by cron-parser in UTC, where no DST exists; only the mapping from a slot to
// real instants is time-zone aware (zonedTime.ts).
import { CronExpressionParser } from 'cron-parser';
import { formatOffset, formatWall, instantsOfWall, offsetAt, wallOf } from './zonedTime.ts';

export interface Tick {
  /** The instant the tick is due. */
  at: Date;
  /** The local slot it stands for, unique per job: the wall time and the offset in force at `at`
   * ("2026-11-01T01:30-04:00"), or only the wall time for a slot inside a spring-forward gap ("2026-03-08T02:30"). */
  slot: string;
}

export interface ParsedCrontab {
  /** True when the crontab runs in every hour of the day: ticks then follow real time (see the header). */
  everyHour: boolean;
  /** The wall-clock slots strictly after `wall`, ascending (encoded as UTC milliseconds). */
  slotsAfter(wall: number): Iterator<number>;
}

const DAY = 86_400_000;
const cache = new Map<string, ParsedCrontab>();

/** Parses a 5-field crontab (cached). Throws with cron-parser's message for one it cannot read. */
export function parseCrontab(crontab: string): ParsedCrontab {
  let parsed = cache.get(crontab);
  if (!parsed) {
    const fields = CronExpressionParser.parse(crontab, { tz: 'UTC', strict: false }).fields;
    parsed = {
      everyHour: fields.hour.values.length === 24,
      *slotsAfter(wall) {
        const expression = CronExpressionParser.parse(crontab, { tz: 'UTC', strict: false, currentDate: new Date(wall) });
        for (;;) yield expression.next().getTime();
      },
    };
    if (cache.size > 1000) cache.clear();
    cache.set(crontab, parsed);
  }
  return parsed;
}

/**
 * The first tick strictly after `after`. Pure: the caller passes the clock, so tests can walk across DST changes
 * without waiting. Throws for a crontab cron-parser cannot read or a time zone Intl does not know.
 */
export function nextTick(crontab: string, timeZone: string, after: Date): Tick {
  const cron = parseCrontab(crontab);
  const t = after.getTime();
  const offsets = [offsetAt(timeZone, t - 1.5 * DAY), offsetAt(timeZone, t), offsetAt(timeZone, t + 1.5 * DAY)];
  const minOffset = Math.min(...offsets);
  const maxOffset = Math.max(...offsets);
  // No slot before this wall time can map to an instant after `after` (an instant is at most its wall time
  // minus the smallest offset around), so the walk starts there: usually one or two slots before the answer.
  const slots = cron.slotsAfter(Math.floor((t + minOffset) / 60_000) * 60_000 - 1);
  let best: { at: number; wall: number; inGap: boolean } | undefined;
  for (let steps = 0; steps < 100_000; steps++) {
    const wall = slots.next().value as number;
    // Slots are visited in wall order; once even the earliest instant this slot could be is past the best
    // candidate, no later slot can beat it.
    if (best && wall - maxOffset > best.at) break;
    const { instants, gapEnd } = instantsOfWall(timeZone, wall);
    const candidates = cron.everyHour ? instants : instants.length ? [instants[0]] : [gapEnd!];
    for (const at of candidates) {
      if (at > t && (!best || at < best.at)) best = { at, wall, inGap: !instants.length };
    }
    // With specific hours the mapping is monotonic, so the first hit is the answer.
    if (best && !cron.everyHour) break;
  }
  if (!best) throw new Error(`crontab "${crontab}" has no occurrence after ${after.toISOString()}`);
  const offset = best.inGap ? '' : formatOffset(offsetAt(timeZone, best.at));
  return { at: new Date(best.at), slot: `${formatWall(best.wall)}${offset}` };
}

/** The local wall time of an instant as "2026-03-08T03:00" (for logs and the job_schedules view). */
export function localTime(timeZone: string, at: Date): string {
  return formatWall(wallOf(timeZone, at.getTime()));
}
