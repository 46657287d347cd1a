// How far a run is, 0..1: by recording id between the lowest and highest id when it started for a table scan
// (ids are roughly dense), by candidates covered for an incremental scan of changes.
import type { RunProgress } from './types.ts';

export function progressFraction(p: Pick<RunProgress, 'scan' | 'lastId' | 'minId' | 'maxId' | 'candidates' | 'considered'>): number {
  if (p.scan === 'changes') return p.candidates ? Math.min(1, p.considered / p.candidates) : 1;
  if (p.lastId === null || p.maxId === null || p.minId === null) return 0;
  const first = Number(p.minId);
  const span = Number(p.maxId) - first + 1;
  return Math.max(0, Math.min(1, (Number(p.lastId) - first + 1) / span));
}
