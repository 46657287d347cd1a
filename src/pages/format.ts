// How the pages write times, durations and counts. Times are shown in a named time zone (the job's or the run's)
// as "2026-03-01 11:00:01"; the zone is named next to them by the page.
import { groupDigits } from './describeCondition.ts';

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timezone: string): Intl.DateTimeFormat | undefined {
  if (!formats.has(timezone)) {
    try {
      // sv-SE writes ISO-like "2026-03-01 11:00:01".
      formats.set(timezone, new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, dateStyle: 'short', timeStyle: 'medium' }));
    } catch {
      return undefined;
    }
  }
  return formats.get(timezone);
}

/** "2026-03-01 11:00:01" in the zone; a zone this runner's Intl does not know is said so, with the time in UTC. */
export function formatTime(at: Date | null, timezone: string): string {
  if (!at) return '—';
  const format = formatFor(timezone);
  if (format) return format.format(at);
  return `${at.toISOString().replace('T', ' ').slice(0, 19)} UTC (time zone ${timezone} unknown to this runner)`;
}

/** 850 → "850 ms", 72 000 → "1 min 12 s", 7 500 000 → "2 h 5 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
}

export function runDuration(run: { started_at: Date; finished_at: Date | null }): string {
  return run.finished_at ? formatDuration(run.finished_at.getTime() - run.started_at.getTime()) : 'running';
}

/** A count from the database (bigint as text, or a number) with grouped digits. */
export function count(value: string | number | null): string {
  return value === null ? '—' : groupDigits(Number(value));
}
