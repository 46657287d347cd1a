// A batch's range in words, for messages and the run log.
import type { BatchRange } from '../sql/applyBatch.ts';

export function describeRange(range: BatchRange): string {
  switch (range.kind) {
    case 'blocks': return `blocks ${range.from} to ${range.to - 1} of ${range.heap}`;
    case 'candidates': return `candidates ${range.after + 1} to ${range.upTo}`;
    case 'changes': return `every candidate, read from the change log`;
  }
}
