// The heart of a run: its connections take batches from one cursor until none is left — next batch, apply,
// record, repeat — each batch ONE statement in its own transaction with its progress row update (and its run log
// entry), so a run bounds its lock time, shows progress, and can stop between batches. Sizes adapt per
// connection to the time target (batchSizer.ts). The first failure or stop ends the run: the other connections
// finish the batch they are in (it commits) and take no more.
import type { RawBuilder, SqlBool } from 'kysely';
import type pg from 'pg';
import { SQLSTATE } from '../errors.ts';
import { applyBatch, type BatchCounts, type BatchRange } from '../sql/applyBatch.ts';
import { insertRunLog } from '../sql/insertRunLog.ts';
import type { ScanPlan } from '../sql/prepareScan.ts';
import { recordBatchProgress } from '../sql/recordBatchProgress.ts';
import type { RecordingSource } from '../source/recordingSource.ts';
import { BatchCursor, type Batch } from './batchCursor.ts';
import { BatchSizer } from './batchSizer.ts';
import { describeLimit, type RunLimit } from './runLimit.ts';
import { batchEntry } from './runLogEntries.ts';
import { RunStopped } from './runStopped.ts';
import type { FinalRunStatus } from './types.ts';

/** The run's row says it ended (the keep-alive or the next run recorded it as interrupted): its batches stop. */
const NO_LONGER_RUNNING = 'the run was recorded as ended by someone else meanwhile (see its status and error); stopped';

export interface BatchDone {
  number: number;
  range: BatchRange;
  units: number;
  counts: BatchCounts;
  durationMs: number;
}

/** A batch that failed and was rolled back; `cause` is the database's (or our) error. */
export class BatchFailed extends Error {
  override name = 'BatchFailed';
  readonly batch: number;
  readonly range: BatchRange;
  readonly durationMs: number;
  constructor(batch: number, range: BatchRange, durationMs: number, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.batch = batch;
    this.range = range;
    this.durationMs = durationMs;
  }
}

export interface RunBatchesInput {
  runId: string;
  jobId: string;
  incremental: boolean;
  target: boolean;
  predicate: RawBuilder<SqlBool>;
  source: RecordingSource;
  plan: ScanPlan;
  /** The run's connections; the first is the run's own session. */
  connections: pg.ClientBase[];
  targetMs: number;
  /** A fixed batch size in blocks/candidates instead of the time target. */
  fixedUnits?: number;
  /** Milliseconds (clock()) after which the run's time limit stops it: every run has one (runLimit.ts). */
  deadline: number;
  limit: RunLimit;
  clock: () => number;
  signal?: AbortSignal;
  /** The status a stop by `signal` is recorded with: aborted, or stopped (by an operator). */
  signalStatus: FinalRunStatus;
  runLog: boolean;
  /** false only in bench/runFlagHistoryBench.ts (ExecuteRunOptions.flagHistory). */
  flagHistory?: boolean;
  onBatch(done: BatchDone): void;
}

export async function runBatches(input: RunBatchesInput): Promise<void> {
  const cursor = new BatchCursor(input.plan, input.connections.length);
  const kind = input.plan.scan === 'changes' ? 'candidates' : 'blocks';
  // A batch that failed (or was cancelled) says more than a stop between batches, so it wins when both happen.
  let failed: BatchFailed | undefined;
  let stop: RunStopped | undefined;
  let numbered = 0;
  let committed = 0;
  const work = async (client: pg.ClientBase) => {
    const sizer = new BatchSizer({ kind, targetMs: input.targetMs, fixed: input.fixedUnits });
    while (!failed && !stop) {
      stop = stopBefore(input, committed);
      if (stop) return;
      const batch = cursor.next(sizer.size);
      if (!batch) return;
      const number = ++numbered;
      const started = performance.now();
      try {
        const counts = await applyOne(client, input, batch, number, started, () => committed);
        committed++;
        const durationMs = Math.round(performance.now() - started);
        sizer.observe(batch.units, durationMs);
        input.onBatch({ number, range: batch.range, units: batch.units, counts, durationMs });
      } catch (error) {
        if (error instanceof RunStopped) stop ??= error;
        else failed ??= new BatchFailed(number, batch.range, Math.round(performance.now() - started), error);
        return;
      }
    }
  };
  await Promise.all(input.connections.map(work));
  if (failed) throw failed;
  if (stop) throw stop;
}

/** Why no new batch may start: a stop request or the execution time limit. */
function stopBefore(input: RunBatchesInput, committed: number): RunStopped | undefined {
  if (input.signal?.aborted) {
    return new RunStopped(`stopped between batches (${describeReason(input.signal.reason)}) after ${committed} batches; the committed batches stay applied`, input.signalStatus, true);
  }
  if (input.clock() >= input.deadline) {
    return new RunStopped(`${describeLimit(input.limit)} reached after ${committed} batches; the committed batches stay applied`);
  }
  return undefined;
}

async function applyOne(
  client: pg.ClientBase, input: RunBatchesInput, batch: Batch, number: number, started: number, committed: () => number,
): Promise<BatchCounts> {
  await client.query('BEGIN');
  try {
    // Row-level security checks the run's scope again on every row this transaction updates (migration 0006).
    // conflag.writing_flags: the change-log trigger on the recordings table leaves this transaction's flag updates out
    // of the log (conflag.change_log_trigger_specs). The batch may take what is left of the run's time, to the
    // millisecond: the limit stays exact. One statement for the three, so a batch costs one round trip less.
    const remaining = Math.max(1, Math.ceil(input.deadline - input.clock()));
    await client.query(
      `SELECT conflag.enter_run_scope($1::bigint), set_config('conflag.writing_flags', 'on', true), set_config('statement_timeout', $2, true)`,
      [input.runId, `${remaining}ms`],
    ).catch((error: { code?: string }) => {
      if (error.code === SQLSTATE.runNotRunning) throw new RunStopped(NO_LONGER_RUNNING, 'failed');
      throw error;
    });
    const counts = await applyBatch(client, {
      runId: input.runId, jobId: input.jobId, incremental: input.incremental, target: input.target, predicate: input.predicate,
      source: input.source, range: batch.range, flagHistory: input.flagHistory,
    });
    // In the batch's transaction: the entry exists exactly when the batch's work does.
    if (input.runLog) {
      await insertRunLog(client, input.runId, [batchEntry({ batch: number, range: batch.range, durationMs: Math.round(performance.now() - started) }, counts)]);
    }
    const outcome = await recordBatchProgress(client, { runId: input.runId, jobId: input.jobId, units: batch.units, counts, incremental: input.incremental });
    if (outcome !== 'ok') {
      await client.query('ROLLBACK');
      throw outcome === 'job-deleted'
        ? new RunStopped(`the job was deleted during the run; stopped after ${committed()} batches`)
        : new RunStopped(NO_LONGER_RUNNING, 'failed');
    }
    await client.query('COMMIT');
    return counts;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

export function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'stop requested' : String(reason);
}
