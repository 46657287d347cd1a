// The one-line progress display of `conflag run` on a terminal, and its plain summary line.
import type { RunProgress, RunResult } from './types.ts';

export function formatProgress(p: RunProgress): string {
  const percent = `${Math.floor(p.fraction * 100)}%`;
  const where = p.scan === 'changes'
    ? `${p.scannedUnits} of ${p.units} added/changed recordings (${percent})`
    : p.units === 0 ? 'empty table' : `block ${p.scannedUnits} of ${p.units} (${percent})`;
  return `run ${p.runId} · batch ${p.batches} · ${where} · matched ${p.matched} · changed ${p.changed}${p.skipped ? ` · skipped ${p.skipped}` : ''}`;
}

export function formatResult(result: RunResult, seconds: number): string {
  const flips = result.flipFlops ? ` (${result.flipFlops} of them last changed by a job with the opposite action: see conflag.job_conflicts)` : '';
  const counts = `matched ${result.matched}, changed ${result.changed}${flips}, skipped ${result.skipped} in ${result.batches} batch${result.batches === 1 ? '' : 'es'}`;
  const head = `run ${result.runId} ${result.status}`;
  if (result.status === 'skipped') return `${head}: ${result.error}`;
  return `${head}: ${counts} (${seconds.toFixed(1)} s)${result.error ? `\n${result.error}` : ''}`;
}
