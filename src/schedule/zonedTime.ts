// Wall-clock arithmetic in an IANA time zone with nothing but Intl, so the scheduler can decide for itself what
// a crontab means on the days daylight saving time starts or ends. A "wall" value is a local date-time encoded as
// if it were UTC milliseconds (2026-03-08 02:30 local → Date.UTC(2026, 2, 8, 2, 30)): cron fields are matched on
// it, and instantsOfWall() maps it back to the real instants it names.

import { assertTimezone, wallAsUtcMs, wallClock } from '../time/timezone.ts';

/** Whether Intl knows the zone (the same check a DBA's value must pass to be schedulable). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    assertTimezone(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The local wall-clock time of an instant, encoded as UTC milliseconds (see the header). */
export function wallOf(timeZone: string, instant: number): number {
  const whole = Math.floor(instant / 1000) * 1000;
  const w = wallClock(timeZone, whole);
  // Intl drops the milliseconds; keep them so wallOf(t) - t is an exact offset.
  return wallAsUtcMs(w.year, w.month, w.day, w.hour, w.minute, w.second) + (instant - whole);
}

/** The zone's UTC offset at an instant, in milliseconds (east positive: Berlin in summer is +7 200 000). */
export function offsetAt(timeZone: string, instant: number): number {
  return wallOf(timeZone, instant) - instant;
}

export interface WallInstants {
  /** Every instant whose local time is `wall`, ascending: one normally, two in a fall-back hour, none in a gap. */
  instants: number[];
  /** For a wall time inside a spring-forward gap: the first instant after the gap (the transition itself). */
  gapEnd?: number;
}

const DAY = 86_400_000;

/**
 * The real instants a local wall time names. Offsets are sampled a day and a half either side, which finds both
 * offsets around any transition as long as a zone does not change twice within three days (none does).
 */
export function instantsOfWall(timeZone: string, wall: number): WallInstants {
  const offsets = [...new Set([offsetAt(timeZone, wall - 1.5 * DAY), offsetAt(timeZone, wall), offsetAt(timeZone, wall + 1.5 * DAY)])];
  const instants = offsets
    .map((offset) => wall - offset)
    .filter((instant) => offsetAt(timeZone, instant) === wall - instant)
    .sort((a, b) => a - b);
  if (instants.length) return { instants: [...new Set(instants)] };
  // A gap: the clock jumped from before `wall` to after it. The transition lies between the instant `wall` would
  // be with the later (larger) offset and with the earlier one; find it by bisection.
  const sorted = [...offsets].sort((a, b) => a - b);
  let lo = wall - sorted[sorted.length - 1];
  let hi = wall - sorted[0];
  const before = offsetAt(timeZone, lo);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(timeZone, mid) === before) lo = mid;
    else hi = mid;
  }
  return { instants: [], gapEnd: hi };
}

/** "2026-03-08T02:30" for a wall value (minutes precision: cron slots are minutes). */
export function formatWall(wall: number): string {
  return new Date(wall).toISOString().slice(0, 16);
}

/** "+01:00" / "-05:00" for an offset in milliseconds. */
export function formatOffset(offset: number): string {
  const minutes = Math.round(Math.abs(offset) / 60_000);
  const sign = offset < 0 ? '-' : '+';
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
