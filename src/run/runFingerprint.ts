// A digest of everything that decides which recordings a job selects: condition, scope, timezone, action and the
// compiled SQL text (which changes when the attribute catalog does). An incremental run continues from the last
// snapshot only when the digest is unchanged; otherwise recordings that did not match before may match now
// without having changed, so it goes through the whole table again (minus the processed ones).
import { createHash } from 'node:crypto';
import type { JobRow } from './types.ts';

export function runFingerprint(job: Pick<JobRow, 'condition' | 'access_scope' | 'action'>, timezone: string, predicateSql: string): string {
  return createHash('sha256')
    .update(JSON.stringify([job.condition, job.access_scope, job.action, timezone, predicateSql]))
    .digest('hex');
}
