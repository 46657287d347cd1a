// How big a connection's next batch should be so it takes about the target time: each batch's duration
// scales the next size (at most 4 times bigger or smaller per step, so one odd batch cannot swing it far).
// Slow conditions thus get small batches (short locks, frequent progress and stop points), fast ones large
// batches (little per-batch overhead). A fixed size (conflag run --batch-blocks, tests) turns this off.

/**
 * Starting sizes: about 15 000 rows of a typical recordings table, or 10 000 candidates. A candidate is a lookup by
 * key, about 14 ms per 1 000 on the bench machine (docs/performance.md), so 10 000 take a fraction of the one-second
 * target, and the change list of a typical incremental run is one batch instead of a ramp of many small ones.
 */
export const FIRST_BATCH = { blocks: 256, candidates: 10_000 } as const;
export const MAX_BATCH = { blocks: 1 << 20, candidates: 1_000_000 } as const;

/** The size of a connection's first batch. */
export function firstBatchSize(kind: 'blocks' | 'candidates', fixed?: number): number {
  return fixed ?? FIRST_BATCH[kind];
}

export class BatchSizer {
  #size: number;
  readonly #max: number;
  readonly #targetMs: number;
  readonly #fixed: boolean;

  constructor(options: { kind: 'blocks' | 'candidates'; targetMs: number; fixed?: number }) {
    this.#fixed = options.fixed !== undefined;
    this.#size = firstBatchSize(options.kind, options.fixed);
    this.#max = MAX_BATCH[options.kind];
    this.#targetMs = options.targetMs;
  }

  get size(): number {
    return this.#size;
  }

  /** A batch of `units` took `ms`. */
  observe(units: number, ms: number): void {
    if (this.#fixed || units < this.#size / 2) return; // a short tail batch says little about the rate
    const factor = Math.min(4, Math.max(0.25, this.#targetMs / Math.max(ms, 1)));
    this.#size = Math.max(1, Math.min(this.#max, Math.round(this.#size * factor)));
  }
}
