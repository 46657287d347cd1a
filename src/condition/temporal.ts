// Timestamp, date and time values and facts, parsed ONCE in TypeScript and shared by the reference operators
// (createEngine) and the compiler, so both sides read the same grammar: a value with an offset is an instant the
// compiler binds (UTC, microseconds); a value without one is a wall-clock time in the job's timezone, which the
// compiler lets PostgreSQL read (`::timestamp AT TIME ZONE`, so every zone PostgreSQL knows works) and the reference
// reads with Intl and PostgreSQL's DST rule (src/time/timezone.ts) — the differential test checks they agree.
import { wallAsUtcMs, wallClock, wallToInstantMs } from '../time/timezone.ts';

/** Instants are microseconds since 1970-01-01 UTC, as bigint: exact over PostgreSQL's whole range. */
export type Micros = bigint;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// The same grammars as conflag.condition_value_problem (sql/functions/condition_value_problem.sql).
const TIME = /^([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?$/;
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ]([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:\d{2})?$/;
// PostgreSQL's timestamptz output (DateStyle ISO), for facts read from the database.
const PG_TIMESTAMPTZ = /^(\d{4,})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-]\d{2}(?::\d{2}){0,2}|Z)( BC)?$/;

function validDate(y: number, m: number, d: number): boolean {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const days = new Date(wallAsUtcMs(y, m + 1, 1) - 86_400_000).getUTCDate();
  return d <= days;
}

function fraction(digits: string | undefined): bigint {
  return BigInt((digits ?? '').padEnd(6, '0'));
}

/** A date value `YYYY-MM-DD` (a real calendar date), or undefined. */
export function parseDateValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DATE.exec(value);
  return m && validDate(+m[1], +m[2], +m[3]) ? value : undefined;
}

/** A time-of-day value `HH:MM[:SS]` as microseconds since midnight, or undefined. */
export function parseTimeValue(value: unknown): Micros | undefined {
  if (typeof value !== 'string') return undefined;
  const m = TIME.exec(value);
  if (!m) return undefined;
  return BigInt((+m[1] * 60 + +m[2]) * 60 + +(m[3] ?? 0)) * 1_000_000n;
}

/** A time-of-day fact `HH:MM:SS[.ffffff]` (see localParts) as microseconds since midnight. */
export function parseTimeFact(fact: string): Micros | undefined {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{6}))?$/.exec(fact);
  return m ? BigInt((+m[1] * 60 + +m[2]) * 60 + +m[3]) * 1_000_000n + fraction(m[4]) : undefined;
}

/** A timestamp value taken apart: its wall-clock time (as UTC milliseconds, whole seconds, plus the microseconds
 * within the second) and its offset in seconds when it has one. */
export interface TimestampValue {
  local: number;
  micros: bigint;
  /** East positive; undefined for a value without an offset (a wall-clock time in the job's timezone). */
  offset?: number;
}

/**
 * A timestamp value `YYYY-MM-DD( |T)HH:MM[:SS[.ffffff]][Z|±HH:MM]`, or undefined if malformed or not a real date
 * (PostgreSQL rejects those too: year 0000, February 30, offsets beyond ±15:59).
 */
export function parseTimestampParts(value: unknown): TimestampValue | undefined {
  if (typeof value !== 'string') return undefined;
  const m = TIMESTAMP.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [+m[1], +m[2], +m[3], +m[4], +m[5], +(m[6] ?? 0)];
  if (!validDate(y, mo, d)) return undefined;
  const parts: TimestampValue = { local: wallAsUtcMs(y, mo, d, h, mi, s), micros: fraction(m[7]) };
  if (m[8] === 'Z') parts.offset = 0;
  else if (m[8] !== undefined) {
    const [oh, om] = [+m[8].slice(1, 3), +m[8].slice(4, 6)];
    if (oh > 15 || om > 59) return undefined;
    parts.offset = (m[8][0] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  return parts;
}

/**
 * A timestamp value as an instant. Without an offset it is a wall-clock time in `timezone`, read with
 * PostgreSQL's rule in DST gaps and overlaps (the reference semantics; the compiler lets PostgreSQL itself read
 * it, see wallParameter).
 */
export function parseTimestampValue(value: unknown, timezone: string): Micros | undefined {
  const parts = parseTimestampParts(value);
  if (!parts) return undefined;
  const epochMs = parts.offset === undefined ? wallToInstantMs(timezone, parts.local) : parts.local - parts.offset * 1000;
  return BigInt(epochMs) * 1000n + parts.micros;
}

/** The instant of a value with an offset, in microseconds. */
export function offsetInstant(parts: TimestampValue & { offset: number }): Micros {
  return BigInt(parts.local - parts.offset * 1000) * 1000n + parts.micros;
}

/** A wall-clock time as the text PostgreSQL reads back exactly as `::timestamp` (years 1 to 9999). */
export function wallParameter(parts: TimestampValue): string {
  const w = new Date(parts.local);
  return `${pad(w.getUTCFullYear(), 4)}-${pad(w.getUTCMonth() + 1)}-${pad(w.getUTCDate())} ${pad(w.getUTCHours())}:${pad(w.getUTCMinutes())}:${pad(w.getUTCSeconds())}${fractionText(parts.micros)}`;
}

/** A timestamp fact (formatInstant's text) as an instant. */
export function parseTimestampFact(fact: string): Micros | undefined {
  return instantOfText(fact);
}

const pad = (n: number | bigint, width = 2) => String(n).padStart(width, '0');

function fractionText(micros: bigint): string {
  return micros === 0n ? '' : '.' + pad(micros, 6);
}

function splitMicros(us: Micros): { ms: number; sub: bigint } {
  // Whole seconds for Intl, the microseconds within the second kept exactly.
  let sub = us % 1_000_000n;
  if (sub < 0n) sub += 1_000_000n;
  return { ms: Number((us - sub) / 1000n), sub };
}

/** The timestamp fact's text: UTC ISO 8601, `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (` BC` appended before year 1). */
export function formatInstant(us: Micros): string {
  const { ms, sub } = splitMicros(us);
  const w = wallClock('UTC', ms);
  const bc = w.year <= 0;
  return `${pad(bc ? 1 - w.year : w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${fractionText(sub)}Z${bc ? ' BC' : ''}`;
}

/** Local date, time of day and weekday of an instant in a zone (the derived facts). */
export function localParts(us: Micros, timezone: string): { date: string; time: string; weekday: string } {
  const { ms, sub } = splitMicros(us);
  const w = wallClock(timezone, ms);
  return {
    date: `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`,
    time: `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${fractionText(sub)}`,
    weekday: w.weekday,
  };
}

function instantOfText(text: string): Micros | undefined {
  const m = PG_TIMESTAMPTZ.exec(text);
  if (!m) return undefined;
  const year = m[9] ? 1 - +m[1] : +m[1];
  let offset = 0;
  if (m[8] !== 'Z') {
    const [oh, om, os] = m[8].slice(1).split(':').map(Number);
    offset = (m[8][0] === '-' ? -1 : 1) * (oh * 3600 + (om ?? 0) * 60 + (os ?? 0));
  }
  const local = wallAsUtcMs(year, +m[2], +m[3], +m[4], +m[5], +m[6]);
  return BigInt(local - offset * 1000) * 1000n + fraction(m[7]);
}

/** The instant a `pg` timestamptz gives us: a Date (millisecond precision) or PostgreSQL's ISO text output. */
export function instantOf(value: Date | string): Micros {
  if (value instanceof Date) return BigInt(value.getTime()) * 1000n;
  const us = instantOfText(value);
  if (us === undefined) throw new RangeError(`not a timestamp in PostgreSQL's ISO output format: ${JSON.stringify(value)}`);
  return us;
}

/** Instant → the bound parameter text PostgreSQL reads back exactly (`::timestamptz`), BC years included. */
export function instantParameter(us: Micros): string {
  const { ms, sub } = splitMicros(us);
  const w = wallClock('UTC', ms);
  const bc = w.year <= 0;
  const year = bc ? 1 - w.year : w.year;
  return `${pad(year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${fractionText(sub)}+00${bc ? ' BC' : ''}`;
}

/** Microseconds since midnight → `HH:MM:SS[.ffffff]` (for `::time`). */
export function timeParameter(us: Micros): string {
  const seconds = Number(us / 1_000_000n);
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}${fractionText(us % 1_000_000n)}`;
}
