// Timezone arithmetic with Intl only (no tz library), for the reference semantics of conditions (createEngine,
// recordingFacts) and UTC formatting: the UTC offset of a zone at an instant, an instant's wall-clock fields in a
// zone, and a wall-clock time's instant in a zone using PostgreSQL's rule for times that fall into a DST gap or
// overlap — what `'…'::timestamp AT TIME ZONE zone` means. Nothing at run time depends on Intl knowing a zone:
// the compiled SQL and the schedules use PostgreSQL's zone data (conflag.schedule_ticks).

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'long',
    });
    formatters.set(timezone, f);
  }
  return f;
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 'monday' … 'sunday'. */
  weekday: string;
}

/** Wall-clock fields of the instant `epochMs` (whole seconds; the sub-second part is the caller's). */
export function wallClock(timezone: string, epochMs: number): WallClock {
  const fields: Record<string, string> = {};
  for (const part of formatter(timezone).formatToParts(epochMs)) fields[part.type] = part.value;
  const year = fields.era === 'BC' || fields.era === 'B' ? 1 - Number(fields.year) : Number(fields.year);
  return {
    year,
    month: Number(fields.month),
    day: Number(fields.day),
    hour: Number(fields.hour),
    minute: Number(fields.minute),
    second: Number(fields.second),
    weekday: fields.weekday.toLowerCase(),
  };
}

/** Milliseconds of a wall-clock time read as if it were UTC (proleptic Gregorian, any year). */
export function wallAsUtcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** UTC offset of the zone at the instant, in whole seconds (east positive). */
export function offsetSeconds(timezone: string, epochMs: number): number {
  const wholeSecondMs = Math.floor(epochMs / 1000) * 1000;
  const w = wallClock(timezone, wholeSecondMs);
  return (wallAsUtcMs(w.year, w.month, w.day, w.hour, w.minute, w.second) - wholeSecondMs) / 1000;
}

const DAY_MS = 86_400_000;

/**
 * The instant (ms, whole seconds) of a wall-clock time in the zone. Mirrors PostgreSQL's
 * DetermineTimeZoneOffset: take the first offset change after (local − 24 h); if the two readings (offset
 * before / after that change) fall on the same side of it, use that one; otherwise the time is in a gap or
 * an overlap and the LATER of the two instants wins (a gap is read with the offset before it, an overlap
 * with the offset after it).
 */
export function wallToInstantMs(timezone: string, localAsUtcMs: number): number {
  const from = localAsUtcMs - DAY_MS;
  const before = offsetSeconds(timezone, from);
  const until = localAsUtcMs + DAY_MS;
  // Like PostgreSQL, assume offsets do not change twice within two days.
  if (offsetSeconds(timezone, until) === before) return localAsUtcMs - before * 1000;
  // Binary search (whole seconds) for the first instant after `from` whose offset differs.
  let lo = from;
  let hi = until;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetSeconds(timezone, mid) === before) lo = mid;
    else hi = mid;
  }
  const boundary = hi;
  const after = offsetSeconds(timezone, boundary);
  const beforeTime = localAsUtcMs - before * 1000;
  const afterTime = localAsUtcMs - after * 1000;
  if (beforeTime < boundary && afterTime < boundary) return beforeTime;
  if (beforeTime >= boundary && afterTime >= boundary) return afterTime;
  return Math.max(beforeTime, afterTime);
}
