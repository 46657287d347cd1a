// A digest of everything that decides which recordings a job selects: condition, scope, timezone, action, the jobs
// it yields to (their conditions are parameters, not SQL text) and the compiled SQL text (which changes when the
// attribute catalog does). An incremental run continues from the last
// snapshot only when the digest is unchanged; otherwise recordings that did not match before may match now
// without having changed, so it goes through the whole table again (minus the processed ones).
import { createHash } from 'node:crypto';
import type { JobRow } from './types.ts';

export function runFingerprint(job: Pick<JobRow, 'condition' | 'access_scope' | 'action' | 'yields_to'>, timezone: string, predicateSql: string): string {
  const winners = job.yields_to.map((w) => [w.id, w.condition, w.access_scope, w.timezone]);
  return createHash('sha256')
    .update(JSON.stringify([job.condition, job.access_scope, job.action, timezone, predicateSql, ...(winners.length ? [winners] : [])]))
    .digest('hex');
}
