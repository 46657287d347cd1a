// How far a run is, 0..1: by recording id against max_id for a table scan (ids are roughly dense), by
// candidates covered for an incremental scan of changes.
import type { RunProgress } from './types.ts';

export function progressFraction(p: Pick<RunProgress, 'scan' | 'lastId' | 'maxId' | 'candidates' | 'considered'>): number {
  if (p.scan === 'changes') return p.candidates ? Math.min(1, p.considered / p.candidates) : 1;
  if (p.lastId === null || p.maxId === null) return 0;
  const last = Number(p.lastId);
  const max = Number(p.maxId);
  return max > 0 ? Math.max(0, Math.min(1, last / max)) : 1;
}
