// Times the rows of one group the way every figure of `npm run bench` is taken: all rows on the same data, in
// rounds (each round runs every row once, in an order that alternates between rounds so no row always runs on
// the warmer cache), `before` ahead of every row (not timed), the medians reported as ratios to the group's
// first row, the baseline. Around every timed row the write meter reads WAL and row versions written.
import { checkGoal, ROWS, type GroupId, type RowId, type RowResult } from './benchRows.ts';
import type { WriteFigures, WriteMeter } from './writeMeter.ts';

/** A timed row: does its work and returns how many recordings it says it changed (and what to note, if anything). */
export type Timed = () => Promise<number | { changed: number; note: string }>;

export interface GroupPlan {
  group: GroupId;
  rows: Partial<Record<RowId, Timed>>;
  repeat: number;
  /** Before each row, not timed: bring the data to the state every row of the group starts from. */
  before?: () => Promise<void>;
  /** Before each round, not timed. */
  beforeRound?: () => Promise<void>;
  /** Rows that take only the first N rounds (the slow row-by-row baseline); said in the row's note. */
  rounds?: Partial<Record<RowId, number>>;
  meter: WriteMeter;
  progress: (line: string) => void;
}

interface Sample extends WriteFigures {
  seconds: number;
  changed: number;
  note?: string;
}

export async function measureRows(plan: GroupPlan): Promise<RowResult[]> {
  const ids = Object.keys(plan.rows) as RowId[];
  const samples = new Map<RowId, Sample[]>(ids.map((id) => [id, []]));
  for (let round = 0; round < plan.repeat; round++) {
    await plan.beforeRound?.();
    const order = round % 2 ? [...ids].reverse() : ids;
    for (const id of order) {
      if (round >= (plan.rounds?.[id] ?? Infinity)) continue;
      await plan.before?.();
      const { result, writes } = await plan.meter.around(async () => {
        const started = performance.now();
        const outcome = await plan.rows[id]!();
        const seconds = (performance.now() - started) / 1000;
        return typeof outcome === 'number' ? { seconds, changed: outcome } : { seconds, ...outcome };
      });
      samples.get(id)!.push({ ...result, ...writes });
      plan.progress(`  ${id}: ${result.seconds.toFixed(3)} s, ${result.changed} changed, ${writes.rowsWritten ?? '?'} rows written, ${(writes.walBytes / 1e6).toFixed(1)} MB WAL`);
    }
  }
  const baseline = ids[0];
  const baseSeconds = median(samples.get(baseline)!.map((s) => s.seconds));
  return ids.map((id) => {
    const runs = samples.get(id)!;
    const changed = median(runs.map((s) => s.changed));
    const walBytes = median(runs.map((s) => s.walBytes));
    const row: RowResult = {
      row: id, group: plan.group, title: ROWS[id], seconds: median(runs.map((s) => s.seconds)), runs: runs.map((s) => s.seconds),
      baseline, changed, rowsWritten: medianOrNull(runs.map((s) => s.rowsWritten)), hotWritten: medianOrNull(runs.map((s) => s.hotWritten)),
      walBytes, walFullPageImages: medianOrNull(runs.map((s) => s.walFullPageImages)), walBytesPerChanged: changed ? Math.round(walBytes / changed) : null,
    };
    row.ratio = row.seconds! / baseSeconds;
    const notes = [...new Set(runs.map((s) => s.note).filter(Boolean))];
    if (runs.length < plan.repeat) notes.push(`${runs.length} of ${plan.repeat} rounds (slow)`);
    if (notes.length) row.note = notes.join('; ');
    return { ...row, ...checkGoal(row) };
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function medianOrNull(values: (number | null)[]): number | null {
  return values.some((v) => v === null) ? null : median(values as number[]);
}
