// A batch's range in words, for messages and the run log.
import type { BatchRange } from '../sql/applyBatch.ts';

export function describeRange(range: BatchRange): string {
  return range.kind === 'blocks'
    ? `blocks ${range.from} to ${range.to - 1} of ${range.heap}`
    : `candidates ${range.after + 1} to ${range.upTo}`;
}
