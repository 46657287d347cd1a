// One line of a run's detailed log as `conflag log` prints it and the run page's log download holds it: time
// since the run started, level, event, message.
import type { RunLogRow } from '../sql/readRunLog.ts';

export function formatRunLogEntry(entry: RunLogRow): string {
  const seconds = (entry.elapsed_ms / 1000).toFixed(3).padStart(9);
  return `${seconds} s  ${entry.level.padEnd(5)}  ${entry.event.padEnd(17)}  ${entry.message}`;
}
