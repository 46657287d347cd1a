// Hands out a run's batches, shared by all of its connections: block ranges over each heap of the table in turn
// (scan = table), ranges of the run's numbered candidates (scan = changes), or a small change list whole. Each caller asks for the size its
// own timing suggests (batchSizer.ts); with several connections the cursor gives at most half of what is left per
// connection, so the last batches shrink and the connections finish together instead of one waiting on another's
// long last batch (OpenMP's "guided" schedule) — but never below MIN_GUIDED units, where a batch's fixed cost (a
// transaction and its progress row) would outweigh the balance gained.
import type { BatchRange } from '../sql/applyBatch.ts';
import type { ScanPlan } from '../sql/prepareScan.ts';

/** Smallest batch the guided schedule cuts down to: about 4 000 rows of a typical table, or 500 candidates. */
export const MIN_GUIDED = { blocks: 64, candidates: 500 } as const;

export interface Batch {
  range: BatchRange;
  /** Blocks or candidates it covers (progress). */
  units: number;
}

export class BatchCursor {
  readonly #plan: ScanPlan;
  readonly #connections: number;
  #heap = 0;
  #position = 0;
  #handedOut = 0;

  constructor(plan: ScanPlan, connections: number) {
    this.#plan = plan;
    this.#connections = Math.max(1, connections);
  }

  /** The next batch of at most `size` units, or undefined when everything has been handed out. */
  next(size: number): Batch | undefined {
    const left = this.#plan.units - this.#handedOut;
    if (left <= 0) return undefined;
    if (this.#plan.changes) {
      this.#handedOut = this.#plan.units; // a small change list: one batch reads all of it from the change log
      return { range: { kind: 'changes', ...this.#plan.changes }, units: left };
    }
    const kind = this.#plan.scan === 'changes' ? 'candidates' : 'blocks';
    const guided = this.#connections > 1 ? Math.max(Math.ceil(left / (2 * this.#connections)), MIN_GUIDED[kind]) : Infinity;
    const units = Math.max(1, Math.min(Math.floor(size), guided));
    return this.#plan.scan === 'changes' ? this.#candidates(units) : this.#blocks(units);
  }

  #candidates(units: number): Batch {
    const after = this.#position;
    const upTo = Math.min(after + units, this.#plan.units);
    this.#position = upTo;
    this.#handedOut += upTo - after;
    return { range: { kind: 'candidates', after, upTo }, units: upTo - after };
  }

  #blocks(units: number): Batch | undefined {
    const heaps = this.#plan.heaps;
    while (this.#heap < heaps.length && this.#position >= heaps[this.#heap].blocks) {
      this.#heap++;
      this.#position = 0;
    }
    if (this.#heap >= heaps.length) return undefined;
    const heap = heaps[this.#heap];
    const from = this.#position;
    const to = Math.min(from + units, heap.blocks);
    this.#position = to;
    this.#handedOut += to - from;
    return { range: { kind: 'blocks', heap: heap.name, from, to }, units: to - from };
  }
}
