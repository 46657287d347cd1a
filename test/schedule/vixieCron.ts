// An independent reading of crontab(5) for the schedule tests, written from the man page and Vixie cron's parser
// (cronie's entry.c) rather than from conflag's SQL: a field is a comma-separated list of `*`, `n`, `a-b`, `*​/s`
// or `a-b/s` (a single number takes no step; a range must not run backwards; a step of 0 is refused); month and
// day-of-week take three-letter names in any case; day of week 0 and 7 are Sunday. A minute matches when minute,
// hour and month match and — "if either the day-of-month or the day-of-week field begins with *" — both day fields
// match, otherwise either. Ticks over a window are then found minute by minute on real instants, with wall times
// from Intl and conflag's documented DST rule applied by brute force.

export interface VixieEntry {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  /** The day-of-month / day-of-week field begins with `*`. */
  domStar: boolean;
  dowStar: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function value(token: string, low: number, high: number, names?: string[]): number | undefined {
  let n: number;
  if (/^\d+$/.test(token)) n = Number(token);
  else {
    const i = names ? names.indexOf(token.toLowerCase()) : -1;
    if (i < 0) return undefined;
    n = i + low;
  }
  return n >= low && n <= high ? n : undefined;
}

function field(text: string, low: number, high: number, names?: string[]): Set<number> | undefined {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const m = /^(?:(\*)|([A-Za-z0-9]+)(?:-([A-Za-z0-9]+))?)(?:\/(\d+))?$/.exec(item);
    if (!m) return undefined;
    if (m[4] !== undefined && m[2] !== undefined && m[3] === undefined) return undefined; // "5/10"
    const first = m[1] ? low : value(m[2], low, high, names);
    const last = m[1] ? high : m[3] !== undefined ? value(m[3], low, high, names) : first;
    const step = m[4] === undefined ? 1 : Number(m[4]);
    if (first === undefined || last === undefined || first > last || step === 0) return undefined;
    for (let i = first; i <= last; i += step) out.add(i);
  }
  return out;
}

/** The entry Vixie cron reads, or undefined where it refuses the line. */
export function parseVixie(crontab: string): VixieEntry | undefined {
  const parts = crontab.trim().split(/\s+/);
  if (parts.length !== 5) return undefined;
  const [minute, hour, dom, month, dow] = [
    field(parts[0], 0, 59), field(parts[1], 0, 23), field(parts[2], 1, 31), field(parts[3], 1, 12, MONTHS), field(parts[4], 0, 7, DAYS),
  ];
  if (!minute || !hour || !dom || !month || !dow) return undefined;
  if (dow.has(7)) dow.add(0);
  return { minute, hour, dom, month, dow, domStar: parts[2].startsWith('*'), dowStar: parts[4].startsWith('*') };
}

/** Whether the entry fires at a wall-clock minute (month 1-12, weekday 0-6 with Sunday 0). */
export function matchesWall(e: VixieEntry, w: { month: number; day: number; weekday: number; hour: number; minute: number }): boolean {
  if (!e.minute.has(w.minute) || !e.hour.has(w.hour) || !e.month.has(w.month)) return false;
  const dom = e.dom.has(w.day);
  const dow = e.dow.has(w.weekday);
  return e.domStar || e.dowStar ? dom && dow : dom || dow;
}

/** Whether the entry fires on any day of 400 Gregorian years (a full cycle of dates and weekdays). */
export function firesEver(e: VixieEntry): boolean {
  for (let t = Date.UTC(2000, 0, 1); t < Date.UTC(2400, 0, 1); t += 86_400_000) {
    const d = new Date(t);
    if (matchesWall(e, { month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay(), hour: [...e.hour][0], minute: [...e.minute][0] })) return true;
  }
  return false;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The zone's offset changes in [from, to) from Intl, found hour by hour and bisected to the second, with the offset
 * before them first (at -Infinity): a year costs a few thousand Intl calls instead of half a million. */
export function zoneChanges(zone: string, from: number, to: number): Array<{ at: number; offset: number }> {
  const key = `${zone} ${from} ${to}`;
  const known = changesCache.get(key);
  if (known) return known;
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  const offsetAt = (t: number) => {
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - t;
  };
  const changes: Array<{ at: number; offset: number }> = [{ at: -Infinity, offset: offsetAt(from) }];
  for (let t = from; t < to; t += 3_600_000) {
    const next = Math.min(t + 3_600_000, to);
    if (offsetAt(next) === changes[changes.length - 1].offset) continue;
    let [lo, hi] = [t, next];
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (offsetAt(mid) === changes[changes.length - 1].offset) lo = mid;
      else hi = mid;
    }
    changes.push({ at: hi, offset: offsetAt(hi) });
  }
  changesCache.set(key, changes);
  return changes;
}

const changesCache = new Map<string, Array<{ at: number; offset: number }>>();

/** The offset at increasing instants (a cursor over zoneChanges). */
function offsetsByMinute(zone: string, from: number, to: number): (t: number) => number {
  const changes = zoneChanges(zone, from, to);
  let i = 0;
  return (t) => {
    while (i + 1 < changes.length && changes[i + 1].at <= t) i++;
    return changes[i].offset;
  };
}

/**
 * Every tick in [from, to) by brute force over real minutes, with conflag's DST rule (docs/operations.md): an
 * entry whose hour field has all 24 hours follows real time (every instant whose local time matches); any other
 * entry runs each local slot once, at the first instant whose local time is the slot, or — for slots the clock
 * jumped over — at the first instant after the jump (slots jumped over together run once).
 */
export function vixieTicks(e: VixieEntry, zone: string, from: number, to: number): number[] {
  const offset = offsetsByMinute(zone, from - 2 * MINUTE, to);
  const everyHour = e.hour.size === 24;
  const ticks: number[] = [];
  const wallOf = (t: number) => t + offset(t);
  // Minute by minute, with the day's verdict (month and the day rule) computed once per wall-clock day and the
  // time of day looked up in a table of the day's 1440 minutes.
  const minuteOfDay = Array.from({ length: 1440 }, (_, m) => e.hour.has(Math.floor(m / 60)) && e.minute.has(m % 60));
  let day = NaN;
  let dayMatches = false;
  const matches = (wall: number) => {
    const d = Math.floor(wall / DAY);
    if (d !== day) {
      const date = new Date(d * DAY);
      day = d;
      dayMatches = matchesWall(e, { month: date.getUTCMonth() + 1, day: date.getUTCDate(), weekday: date.getUTCDay(), hour: [...e.hour][0], minute: [...e.minute][0] });
    }
    return dayMatches && minuteOfDay[(wall - d * DAY) / MINUTE];
  };
  // The latest wall minute reached before `from`: slots up to it belong to earlier ticks.
  let reached = Math.floor(wallOf(from - MINUTE) / MINUTE) * MINUTE;
  for (let t = Math.ceil(from / MINUTE) * MINUTE; t < to; t += MINUTE) {
    const wall = wallOf(t);
    if (wall % MINUTE !== 0) throw new Error(`${zone} has a sub-minute offset at ${new Date(t).toISOString()}`);
    if (everyHour) {
      if (matches(wall)) ticks.push(t);
      continue;
    }
    if (wall <= reached) continue; // a repeated (fall-back) wall time: its slots ran at their first occurrence
    let due = false;
    for (let w = reached + MINUTE; w <= wall && !due; w += MINUTE) due = matches(w);
    if (due) ticks.push(t);
    reached = wall;
  }
  return ticks;
}
